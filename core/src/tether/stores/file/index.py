"""``<root>/.index.jsonl``: which sessions exist, so listing reads one file, not every session.

Rows are ``put`` (a session was created, imported or got a new TTL) and ``drop`` events. The
index is a hint written *before* a session's own files change, so it may name a session that
no longer exists (a crash in between) but never misses one; listing checks each session it
returns. A missing index is rebuilt from the session folders, and the file is compacted
when it grows mostly stale.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tether.errors import CorruptDataError
from tether.models import SessionInfo
from tether.stores._prepare import SessionKey
from tether.stores.file import jsonl, lock
from tether.stores.file.fsio import read_json
from tether.stores.file.layout import INDEX, INDEX_LOCK, SESSION

Entry = tuple[datetime, datetime | None]
"""(created_at, expires_at) of an indexed session."""


class SessionIndex:
    def __init__(self, root: Path, lock_timeout: float, fsync: bool) -> None:
        self.root, self.path = root, root / INDEX
        self.lock_timeout, self.fsync = lock_timeout, fsync

    def put(self, info: SessionInfo) -> None:
        """Record that the session exists with this creation time and expiry."""
        self._append(_put_row(info))

    def drop(self, key: SessionKey) -> None:
        """Record that the session is gone."""
        self._append({"op": "drop", "user": key.user_id, "session": key.session_id})

    def entries(self) -> dict[SessionKey, Entry]:
        """Every indexed session (some may be gone since; callers check)."""
        if not self.path.exists() and self.root.is_dir():
            with lock.locked(self.root / INDEX_LOCK, self.lock_timeout, create_parent=True):
                if not self.path.exists():
                    self._rebuild()
        return _replay(jsonl.read(self.path), self.path)

    def _append(self, row: dict) -> None:
        with lock.locked(self.root / INDEX_LOCK, self.lock_timeout, create_parent=True):
            before, after = jsonl.append(self.path, [row], self.fsync)
            if jsonl.worth_compacting(before, after):
                rows = jsonl.read(self.path)
                live = _replay(rows, self.path)
                if len(live) * 2 < len(rows):
                    compact = [_entry_row(k, e) for k, e in live.items()]
                    jsonl.rewrite(self.path, compact, self.fsync)

    def _rebuild(self) -> None:
        rows = []
        for doc_path in sorted(self.root.glob(f"*/*/{SESSION}")):
            try:
                info = SessionInfo.model_validate(read_json(doc_path))
            except (CorruptDataError, ValueError):
                continue  # reported when the session itself is read
            rows.append(_put_row(info))
        jsonl.rewrite(self.path, rows, self.fsync)


def _put_row(info: SessionInfo) -> dict:
    return _entry_row(SessionKey(info.user_id, info.session_id), (info.created_at, info.expires_at))


def _entry_row(key: SessionKey, entry: Entry) -> dict:
    created, expires = entry
    return {
        "op": "put",
        "user": key.user_id,
        "session": key.session_id,
        "created_at": created.isoformat(),
        "expires_at": expires.isoformat() if expires else None,
    }


def _replay(rows: list, path: Path) -> dict[SessionKey, Entry]:
    live: dict[SessionKey, Entry] = {}
    for row in rows:
        try:
            key = SessionKey(row["user"], row["session"])
            if row["op"] == "drop":
                live.pop(key, None)
            else:
                expires = row["expires_at"]
                live[key] = (
                    datetime.fromisoformat(row["created_at"]),
                    datetime.fromisoformat(expires) if expires else None,
                )
        except (KeyError, TypeError, ValueError):
            raise CorruptDataError(
                f"{path}: malformed index row {row!r}; delete the file to rebuild it from the "
                "session folders"
            ) from None
    return live
