"""The files of the sessions under one root folder: finding, locking, checking, reading and
writing a session's folder (see ``store`` for the layout)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from tether.errors import CorruptDataError, SessionExpiredError
from tether.models import SessionInfo, utcnow
from tether.stores._prepare import SessionKey, require
from tether.stores.file import lock, log, records, session_doc
from tether.stores.file.fsio import (
    fsync_dir,
    parse_json,
    read_json,
    remove_files,
    to_json_bytes,
    write_atomic,
)
from tether.stores.file.index import SessionIndex
from tether.stores.file.layout import LOCK, MESSAGES, RECORDS, SESSION, STATE, session_dir

_SEEN_MAX = 1024


class SessionFiles:
    """Session folders under ``root``, written with ``fsync`` and ``lock_timeout``."""

    def __init__(self, root: Path, fsync: bool, lock_timeout: float) -> None:
        self.root, self.fsync, self.lock_timeout = root, fsync, lock_timeout
        self.index = SessionIndex(root, lock_timeout, fsync)
        self._seen: dict[Path, tuple[bytes, datetime | None]] = {}

    def folder(self, key: SessionKey) -> Path:
        return session_dir(self.root, key)

    def read_info(self, folder: Path, key: SessionKey) -> SessionInfo | None:
        doc = read_json(folder / SESSION)
        return None if doc is None else session_doc.parse(doc, folder / SESSION, key)

    def live(self, folder: Path, key: SessionKey) -> SessionInfo:
        info = require(self.read_info(folder, key), key)
        if info.is_expired():
            raise SessionExpiredError(f"session {key.session_id!r} has expired")
        return info

    def check(self, folder: Path, key: SessionKey) -> None:
        """Raise unless the session exists and has not expired. ``session.json`` is read
        each time but parsed only when its bytes changed since the last check."""
        path = folder / SESSION
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = None
        if raw is None:
            require(None, key)
        seen = self._seen.get(path)
        if seen is None or seen[0] != raw:
            seen = (raw, session_doc.parse(parse_json(raw, path), path, key).expires_at)
            if len(self._seen) >= _SEEN_MAX:
                self._seen.clear()
            self._seen[path] = seen
        if seen[1] is not None and seen[1] <= utcnow():
            raise SessionExpiredError(f"session {key.session_id!r} has expired")

    @contextmanager
    def locked(self, key: SessionKey, *, create: bool = False) -> Iterator[Path]:
        """Hold the session's lock; without ``create`` a missing folder means no session."""
        folder = self.folder(key)
        try:
            fd = lock.acquire(folder / LOCK, self.lock_timeout, create_parent=create)
        except FileNotFoundError:
            fd = None
        if fd is None:
            require(None, key)
        try:
            yield folder
        finally:
            lock.release(fd)

    @contextmanager
    def log(self, folder: Path, key: SessionKey, *, write: bool = False) -> Iterator[log.LogView]:
        try:
            f = open(folder / MESSAGES, "r+b" if write else "rb")  # noqa: SIM115
        except FileNotFoundError:
            if (folder / SESSION).exists():
                raise CorruptDataError(f"{folder / MESSAGES} is missing") from None
            require(None, key)  # deleted meanwhile
        with f:
            yield log.LogView(f, folder / MESSAGES)

    def full(self, folder: Path, info: SessionInfo, key: SessionKey) -> SessionInfo:
        """``info`` with its message count, next index and last write time filled in."""
        with self.log(folder, key) as view:
            info.message_count, info.next_index = view.count, view.next_index
            written = view.updated_at
        if written is not None and written > info.updated_at:
            info.updated_at = written
        return info

    def write_session(
        self,
        folder: Path,
        info: SessionInfo,
        body: Any,
        count: int,
        state: dict[str, Any] | None,
        recs: records.Records | None,
    ) -> None:
        """Write every file of a new (or replaced) session; ``session.json`` last, so the
        session appears only once it is complete."""
        self.index.put(info)
        (folder / SESSION).unlink(missing_ok=True)
        log.write_log(folder / MESSAGES, info.next_index, count, body, self.fsync)
        self.write_state(folder, state or {})
        if recs:
            records.save(folder / RECORDS, recs, self.fsync)
        else:
            (folder / RECORDS).unlink(missing_ok=True)
        self.write_info(folder, info)
        if self.fsync:  # make the new folders' names durable too
            fsync_dir(folder.parent)
            fsync_dir(self.root)

    def write_info(self, folder: Path, info: SessionInfo) -> None:
        """Replace ``session.json`` with ``info``."""
        write_atomic(folder / SESSION, session_doc.dump(info), self.fsync)

    def write_state(self, folder: Path, state: dict[str, Any]) -> None:
        if state:
            write_atomic(folder / STATE, to_json_bytes(state, indent=2) + b"\n", self.fsync)
        else:  # no file is an empty state (creating files is the slow part of a create)
            (folder / STATE).unlink(missing_ok=True)

    def read_state(self, folder: Path) -> dict[str, Any]:
        state = read_json(folder / STATE)
        if state is None:
            return {}
        if not isinstance(state, dict):
            raise CorruptDataError(f"{folder / STATE} does not hold a JSON object")
        return state

    def remove(self, folder: Path) -> None:
        """Delete a session's folder; called holding its lock (removed last, while held, so
        that a process waiting for it notices and does not write into a dead folder)."""
        (folder / SESSION).unlink(missing_ok=True)
        remove_files(folder, keep=LOCK)
        try:
            (folder / LOCK).unlink(missing_ok=True)
            folder.rmdir()
            folder.parent.rmdir()  # the user's folder, once empty
        except OSError:
            pass  # not empty, or (Windows) the held lock file cannot be removed yet
