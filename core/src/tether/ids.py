"""Validation and generation of identifiers.

Session and user ids are chosen by users, so they are validated before they reach any
backend: 1 to 200 characters, no control characters, no path separators, and not ``.`` or
``..``. That rules out path traversal in the file store while still allowing ids such as
``user-42:chat{1}`` (backends store them literally and must escape them themselves).
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid

from tether.errors import InvalidSessionIdError

DEFAULT_USER_ID = "default_user"
MAX_ID_LENGTH = 200

_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f/\\\ud800-\udfff]")


def validate_id(value: object, kind: str = "session id") -> str:
    """Return ``value`` if it is an acceptable id, else raise :class:`InvalidSessionIdError`."""
    if not isinstance(value, str):
        raise InvalidSessionIdError(f"{kind} must be a string, not {type(value).__name__}")
    if not value:
        raise InvalidSessionIdError(f"{kind} must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidSessionIdError(f"{kind} is longer than {MAX_ID_LENGTH} characters")
    if value in (".", "..") or _FORBIDDEN.search(value):
        raise InvalidSessionIdError(
            f"{kind} {value!r} is not allowed: it must not contain '/', '\\', control "
            "characters or lone surrogates, and must not be '.' or '..'"
        )
    if value != value.strip():
        raise InvalidSessionIdError(f"{kind} {value!r} must not start or end with whitespace")
    return value


def validate_user_id(value: object) -> str:
    """Validate a user id (same rules as a session id)."""
    return validate_id(value, "user id")


def new_session_id() -> str:
    """A fresh random session id (12 hex characters)."""
    return uuid.uuid4().hex[:12]


_last_sortable = 0
_sortable_lock = threading.Lock()


def new_sortable_id() -> str:
    """A 32-character id that sorts by creation time: 48-bit milliseconds then 80 random bits,
    as fixed-width lower-case hex (so text order is time order).

    Within one process ids are strictly increasing, even within the same millisecond.
    """
    global _last_sortable
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    with _sortable_lock:
        value = max(value, _last_sortable + 1)
        _last_sortable = value
    return f"{value:032x}"
