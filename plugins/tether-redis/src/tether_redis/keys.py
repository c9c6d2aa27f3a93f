"""Key layout: every Redis key name the backend uses, and index members.

A session's keys are ``<prefix>{<user>:<session>}:<part>``. The braces are a Redis Cluster
hash tag, so all of one session's keys live in the same slot. User and session ids are
escaped (letters, digits, ``-``, ``_`` and ``.`` stay as they are, every other character
becomes ``%XX`` per UTF-8 byte), so ``:``, ``{``, ``}`` and ``%`` in an id can neither break
the hash tag nor make two sessions share a key.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from tether.errors import InvalidInputError
from tether.stores._prepare import SessionKey

DEFAULT_PREFIX = "tether:"
SESSION_PARTS = ("meta", "msgs", "state", "recs", "rord")
"""A session's keys, in the order every script receives them in ``KEYS``: the info hash, the
message list, the state hash, the records hash and the records' insertion order (zset)."""

_SAFE = frozenset(string.ascii_letters + string.digits + "-_.")
_PLAIN = re.compile(r"[A-Za-z0-9_.\-]*")


def escape(text: str) -> str:
    """``text`` with every character outside ``[A-Za-z0-9_.-]`` as ``%XX`` (UTF-8 bytes)."""
    if _PLAIN.fullmatch(text):
        return text
    return "".join(
        char if char in _SAFE else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in text
    )


def check_prefix(prefix: object) -> str:
    """Validate a key prefix: a string without braces (they would break the hash tags)."""
    if not isinstance(prefix, str):
        raise InvalidInputError(f"prefix must be a string, not {type(prefix).__name__}")
    if "{" in prefix or "}" in prefix:
        raise InvalidInputError(f"prefix {prefix!r} must not contain '{{' or '}}'")
    if any(ord(char) < 32 or ord(char) == 127 for char in prefix) or len(prefix) > 200:
        raise InvalidInputError(f"prefix {prefix!r} must be at most 200 printable characters long")
    return prefix


@dataclass(frozen=True)
class Namespace:
    """The key names under one prefix (the unit of isolation between tenants and tests)."""

    prefix: str = DEFAULT_PREFIX

    @property
    def all_sessions(self) -> str:
        """Sorted set of every session: member ``user\\0session``, score created_at (µs)."""
        return f"{self.prefix}sessions"

    @property
    def expiring(self) -> str:
        """Sorted set of sessions with a TTL: member ``user\\0session``, score expiry (ms)."""
        return f"{self.prefix}expiring"

    @property
    def schema(self) -> str:
        """String holding the layout version written under this prefix."""
        return f"{self.prefix}schema"

    def user_sessions(self, user_id: str) -> str:
        """Sorted set of one user's sessions: member ``session``, score created_at (µs)."""
        return f"{self.prefix}user:{{{escape(user_id)}}}:sessions"

    def session(self, key: SessionKey) -> list[str]:
        """The session's keys, in :data:`SESSION_PARTS` order."""
        tag = f"{self.prefix}{{{escape(key.user_id)}:{escape(key.session_id)}}}"
        return [f"{tag}:{part}" for part in SESSION_PARTS]

    def indexes(self, key: SessionKey) -> list[str]:
        """The listing and expiry indexes a session is entered in."""
        return [self.user_sessions(key.user_id), self.all_sessions, self.expiring]


def user_member(key: SessionKey) -> bytes:
    """The session's member in its user's index."""
    return key.session_id.encode()


def all_member(key: SessionKey) -> bytes:
    """The session's member in the global and expiry indexes. Ids never hold control
    characters, so ``\\0`` separates them and byte order matches (user, session) order."""
    return f"{key.user_id}\0{key.session_id}".encode()


def key_of_member(member: bytes) -> SessionKey:
    """Reverse :func:`all_member`."""
    user_id, _, session_id = member.decode().partition("\0")
    return SessionKey(user_id, session_id)
