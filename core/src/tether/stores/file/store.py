"""The file store: each session a folder of JSON and JSON Lines files.

::

    <root>/.index.jsonl                 which sessions exist (listing reads only this)
    <root>/<user>/<session>/session.json    info, with a format version
                            messages.jsonl  append-only, one message per line (see ``log``)
                            state.json      the state object
                            records.jsonl   snapshots and runs (see ``records``)
                            .lock           the session's cross-process lock

Writers hold the session's lock; readers take none (every file is either append-only, with
torn tails ignored, or replaced whole by a rename). Deleting a session removes its folder.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from tether.errors import (
    ConfigurationError,
    CorruptDataError,
    SessionExistsError,
    SessionNotFoundError,
)
from tether.models import Message, SessionExport, SessionInfo, utcnow
from tether.stores._prepare import SessionKey
from tether.stores.base import Capabilities, SessionStore
from tether.stores.file import log, records
from tether.stores.file.folders import SessionFiles
from tether.stores.file.layout import MESSAGES, RECORDS, SESSION
from tether.stores.file.options import parse_options
from tether.stores.registry import default_store_url
from tether.stores.toolkit import incremented, record_id

logger = logging.getLogger(__name__)


class FileStore(SessionStore):
    """The default store: human-readable files under one folder (``file:///path/to/dir``).

    Options (keyword or URL query): ``fsync`` (default False: every write reaches the OS,
    which survives a crash of the process; True also survives a power loss) and
    ``lock_timeout`` (seconds to wait for another writer, default 10).
    """

    backend_name = "file"
    capabilities = Capabilities()

    def __init__(
        self,
        url: str | None = None,
        *,
        fsync: bool | None = None,
        lock_timeout: float | None = None,
        **options: Any,
    ) -> None:
        if options:
            raise ConfigurationError(
                f"unknown file store option(s) {sorted(options)}; known: fsync, lock_timeout"
            )
        super().__init__(url or default_store_url())
        settings = parse_options(self.url, fsync, lock_timeout)
        self.root: Path = settings.root
        self.fsync, self.lock_timeout = settings.fsync, settings.lock_timeout
        self._files = SessionFiles(self.root, self.fsync, self.lock_timeout)

    # --- sessions ---------------------------------------------------------------------

    def _create_session(self, info: SessionInfo, exist_ok: bool) -> SessionInfo:
        key = SessionKey(info.user_id, info.session_id)
        with self._files.locked(key, create=True) as folder:
            old = self._files.read_info(folder, key)
            if old is not None and not old.is_expired():
                if exist_ok:
                    return self._files.full(folder, old, key)
                raise SessionExistsError(f"session {key.session_id!r} already exists")
            self._files.write_session(folder, info, b"", 0, None, None)
            return info.model_copy(deep=True)

    def _get_session(self, key: SessionKey) -> SessionInfo | None:
        folder = self._files.folder(key)
        info = self._files.read_info(folder, key)
        if info is None or info.is_expired():
            return None
        try:
            return self._files.full(folder, info, key)
        except SessionNotFoundError:
            return None

    def _list_sessions(
        self, user_id: str | None, limit: int, after: tuple[datetime, str, str] | None
    ) -> list[SessionInfo]:
        now = utcnow()
        rows = sorted(
            (
                (created, key.user_id, key.session_id)
                for key, (created, expires) in self._files.index.entries().items()
                if (user_id is None or key.user_id == user_id)
                and (expires is None or expires > now)
            ),
            reverse=True,
        )
        found: list[SessionInfo] = []
        for row in rows:
            if len(found) >= limit:
                break
            if after is not None and row >= after:
                continue
            try:
                info = self._get_session(SessionKey(row[1], row[2]))
            except CorruptDataError as exc:
                logger.warning("listing skips a damaged session: %s", exc)
                continue
            if info is not None:
                found.append(info)
        return found

    def _update_session(self, key: SessionKey, changes: dict[str, Any]) -> SessionInfo:
        with self._files.locked(key) as folder:
            info = self._files.live(folder, key).model_copy(update=changes)
            if "expires_at" in changes:
                self._files.index.put(info)
            self._files.write_info(folder, info)
            return self._files.full(folder, info, key)

    def _delete_session(self, key: SessionKey) -> bool:
        return self._delete(key, expired_only=False)

    def _delete(self, key: SessionKey, *, expired_only: bool) -> bool:
        try:
            with self._files.locked(key) as folder:
                if expired_only:
                    info = self._files.read_info(folder, key)
                    if info is None or not info.is_expired():
                        return False
                existed = (folder / SESSION).exists()
                self._files.remove(folder)
        except SessionNotFoundError:
            return False
        self._files.index.drop(key)
        return existed

    # --- messages ---------------------------------------------------------------------

    def _append_messages(self, key: SessionKey, messages: list[Message]) -> list[Message]:
        with self._files.locked(key) as folder:
            self._files.check(folder, key)
            with self._files.log(folder, key, write=True) as view:
                first = view.next_index
                view.append(log.encode(messages, first, utcnow().isoformat()), self.fsync)
        for offset, message in enumerate(messages):
            message.index = first + offset
        return messages

    def _read_messages(
        self,
        key: SessionKey,
        *,
        after: int | None,
        before: int | None,
        limit: int | None,
        from_end: bool,
    ) -> list[Message]:
        folder = self._files.folder(key)
        self._files.check(folder, key)
        with self._files.log(folder, key) as view:
            return view.read(after, before, limit, from_end)

    def _count_messages(self, key: SessionKey) -> int:
        folder = self._files.folder(key)
        self._files.check(folder, key)
        with self._files.log(folder, key) as view:
            return view.count

    def _clear_messages(self, key: SessionKey) -> int:
        with self._files.locked(key) as folder:
            self._files.check(folder, key)
            with self._files.log(folder, key) as view:
                log.write_log(folder / MESSAGES, view.next_index, 0, b"", self.fsync)
                return view.count

    def _trim_messages(self, key: SessionKey, keep_last: int) -> int:
        with self._files.locked(key) as folder:
            self._files.check(folder, key)
            with self._files.log(folder, key) as view:
                drop = view.count - keep_last
                if drop <= 0:
                    return 0
                body = view.copy_body(view.start_of_last(keep_last), view.end)
                log.write_log(folder / MESSAGES, view.next_index, keep_last, body, self.fsync)
                return drop

    # --- state ------------------------------------------------------------------------

    def _load_state(self, key: SessionKey) -> dict[str, Any]:
        folder = self._files.folder(key)
        self._files.check(folder, key)
        return self._files.read_state(folder)

    def _save_state(self, key: SessionKey, state: dict[str, Any]) -> None:
        with self._files.locked(key) as folder:
            self._files.check(folder, key)
            self._files.write_state(folder, state)

    def _set_state_value(self, key: SessionKey, name: str, value: Any) -> None:
        with self._files.locked(key) as folder:
            self._files.check(folder, key)
            state = self._files.read_state(folder)
            state[name] = value
            self._files.write_state(folder, state)

    def _increment_state(self, key: SessionKey, name: str, amount: int | float) -> int | float:
        with self._files.locked(key) as folder:
            self._files.check(folder, key)
            state = self._files.read_state(folder)
            state[name] = incremented(state, name, amount)
            self._files.write_state(folder, state)
            return state[name]

    # --- records ----------------------------------------------------------------------

    def _put_record(self, key: SessionKey, kind: str, record_id: str, data: dict[str, Any]) -> None:
        with self._files.locked(key) as folder:
            self._files.check(folder, key)
            records.put(folder / RECORDS, kind, record_id, data, self.fsync)

    def _get_record(self, key: SessionKey, kind: str, record_id: str) -> dict[str, Any] | None:
        folder = self._files.folder(key)
        self._files.check(folder, key)
        return records.load(folder / RECORDS).get((kind, record_id))

    def _list_records(self, key: SessionKey, kind: str) -> list[dict[str, Any]]:
        folder = self._files.folder(key)
        self._files.check(folder, key)
        return [data for (k, _), data in records.load(folder / RECORDS).items() if k == kind]

    def _delete_records(self, key: SessionKey, kind: str, record_ids: list[str]) -> None:
        with self._files.locked(key) as folder:
            self._files.check(folder, key)
            records.delete(folder / RECORDS, kind, record_ids, self.fsync)

    # --- hierarchy and lifecycle ------------------------------------------------------

    def _rewind(self, key: SessionKey, position: int, state: dict[str, Any] | None) -> None:
        with self._files.locked(key) as folder:
            self._files.check(folder, key)
            with self._files.log(folder, key) as view:
                cut = view.seek(position)
                count = view.count - view.suffix_count(cut)
                body = view.copy_prefix(cut)
                log.write_log(folder / MESSAGES, position, count, body, self.fsync)
            if state is not None:
                self._files.write_state(folder, state)

    def _fork(self, source: SessionKey, info: SessionInfo, state: dict[str, Any]) -> SessionInfo:
        parent = self._files.folder(source)
        self._files.check(parent, source)
        key = SessionKey(info.user_id, info.session_id)
        with (
            self._files.log(parent, source) as view,
            self._files.locked(key, create=True) as folder,
        ):
            old = self._files.read_info(folder, key)
            if old is not None and not old.is_expired():
                raise SessionExistsError(f"session {key.session_id!r} already exists")
            cut = view.seek(info.fork_index or 0)
            count = view.count - view.suffix_count(cut)
            body = view.copy_prefix(cut)
            self._files.write_session(folder, info, body, count, state, None)
            return self._files.full(folder, info.model_copy(deep=True), key)

    def _import_session(self, data: SessionExport, replace: bool) -> SessionInfo:
        info = data.info.model_copy(deep=True)
        key = SessionKey(info.user_id, info.session_id)
        recs = {(kind, record_id(kind, r)): r for kind, rows in data.records.items() for r in rows}
        body = log.encode(data.messages, 0, None)
        with self._files.locked(key, create=True) as folder:
            old = self._files.read_info(folder, key)
            if old is not None and not old.is_expired() and not replace:
                raise SessionExistsError(f"session {key.session_id!r} already exists")
            self._files.write_session(folder, info, body, len(data.messages), data.state, recs)
            return self._files.full(folder, info, key)

    def _purge_expired(self) -> int:
        now, purged = utcnow(), 0
        for key, (_, expires) in self._files.index.entries().items():
            if expires is None or expires > now:
                continue
            try:
                purged += self._delete(key, expired_only=True)
            except CorruptDataError as exc:
                logger.warning("purge skips a damaged session: %s", exc)
        return purged
