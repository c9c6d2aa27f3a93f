"""Where the file store keeps things: one folder per user and per session, with names that are
safe on every file system, and the fixed file names inside."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from tether.stores._prepare import SessionKey

SESSION = "session.json"
MESSAGES = "messages.jsonl"
STATE = "state.json"
RECORDS = "records.jsonl"
LOCK = ".lock"
INDEX = ".index.jsonl"
INDEX_LOCK = ".index.lock"

_PLAIN = re.compile(r"[a-z0-9_][a-z0-9._-]{0,63}")
_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(10)}


@lru_cache(maxsize=4096)
def folder_name(ident: str) -> str:
    """The folder name for a user or session id.

    Simple lower-case ids (``default_user``, ``3f2a9c``) are used as they are. Any other id
    (upper case, spaces, ``:``, quotes, unicode, Windows device names) becomes a readable
    ASCII hint plus ``~`` and a hash of the exact id, so that names never collide, even on
    case-insensitive file systems; the real id is kept in ``session.json``.
    """
    if _PLAIN.fullmatch(ident) and not ident.endswith(".") and ident.split(".")[0] not in _RESERVED:
        return ident
    hint = _UNSAFE.sub("_", ident.lower()).strip("_")[:40]
    digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{hint}~{digest}"


def session_dir(root: Path, key: SessionKey) -> Path:
    """The folder of one session: ``<root>/<user>/<session>``."""
    return root / folder_name(key.user_id) / folder_name(key.session_id)
