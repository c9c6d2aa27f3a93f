"""``memory://``: an in-process store. Thread-safe; gone when the process exits.

Each ``memory://NAME`` URL names a separate space shared by every store opened with the same
URL in this process (``memory://`` alone gets a fresh private space).
"""

from __future__ import annotations

import bisect
import copy
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from tether.errors import InvalidInputError, SessionExistsError, SessionExpiredError
from tether.models import Message, SessionExport, SessionInfo, utcnow
from tether.stores._prepare import SessionKey, require
from tether.stores.base import Capabilities, SessionStore
from tether.stores.toolkit import incremented, record_id


def _index(message: Message) -> int:
    return message.index  # type: ignore[return-value]


@dataclass
class _Session:
    info: SessionInfo
    messages: list[Message] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


class MemoryStore(SessionStore):
    """A dict-backed store for tests, notebooks and ``memory=True``."""

    backend_name = "memory"
    capabilities = Capabilities(persistent=False, multi_process=False)
    _spaces: ClassVar[dict[str, dict[SessionKey, _Session]]] = {}
    _spaces_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, url: str | None = "memory://", **options: Any) -> None:
        if options:
            raise InvalidInputError(f"memory:// takes no options, got {sorted(options)}")
        super().__init__(url or "memory://")
        parts = urlsplit(self.url)
        name = (parts.netloc + parts.path).strip("/")
        with self._spaces_lock:
            self._sessions = self._spaces.setdefault(name, {}) if name else {}
        self._lock = threading.RLock()

    # --- helpers ----------------------------------------------------------------------

    def _live(self, key: SessionKey) -> _Session:
        entry = self._sessions.get(key)
        if entry is None:
            require(None, key)
        if entry.info.is_expired():
            raise SessionExpiredError(f"session {key.session_id!r} has expired")
        return entry

    def _info(self, entry: _Session) -> SessionInfo:
        info = entry.info.model_copy(deep=True)
        info.message_count = len(entry.messages)
        return info

    # --- sessions ---------------------------------------------------------------------

    def _create_session(self, info: SessionInfo, exist_ok: bool) -> SessionInfo:
        with self._lock:
            entry = self._sessions.get((info.user_id, info.session_id))
            if entry is not None and not entry.info.is_expired():
                if exist_ok:
                    return self._info(entry)
                raise SessionExistsError(f"session {info.session_id!r} already exists")
            entry = _Session(info.model_copy(deep=True))
            self._sessions[SessionKey(info.user_id, info.session_id)] = entry
            return self._info(entry)

    def _get_session(self, key: SessionKey) -> SessionInfo | None:
        with self._lock:
            entry = self._sessions.get(key)
            if entry is None or entry.info.is_expired():
                return None
            return self._info(entry)

    def _list_sessions(
        self, user_id: str | None, limit: int, after: tuple[datetime, str, str] | None
    ) -> list[SessionInfo]:
        with self._lock:
            rows = [
                e
                for k, e in self._sessions.items()
                if (user_id is None or k.user_id == user_id) and not e.info.is_expired()
            ]
        order = lambda e: (e.info.created_at, e.info.user_id, e.info.session_id)  # noqa: E731
        rows.sort(key=order, reverse=True)
        if after is not None:
            rows = [e for e in rows if order(e) < after]
        return [self._info(e) for e in rows[:limit]]

    def _update_session(self, key: SessionKey, changes: dict[str, Any]) -> SessionInfo:
        with self._lock:
            entry = self._live(key)
            entry.info = entry.info.model_copy(update=copy.deepcopy(changes))
            return self._info(entry)

    def _delete_session(self, key: SessionKey) -> bool:
        with self._lock:
            return self._sessions.pop(key, None) is not None

    # --- messages ---------------------------------------------------------------------

    def _append_messages(self, key: SessionKey, messages: list[Message]) -> list[Message]:
        with self._lock:
            entry = self._live(key)
            for message in messages:
                message.index = entry.info.next_index
                entry.info.next_index += 1
            entry.messages.extend(m.model_copy(deep=True) for m in messages)
            entry.info.updated_at = utcnow()
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
        with self._lock:
            messages = self._live(key).messages  # sorted by index: bisect, never scan
            lo = 0 if after is None else bisect.bisect_right(messages, after, key=_index)
            hi = (
                len(messages)
                if before is None
                else bisect.bisect_left(messages, before, key=_index)
            )
            if limit is not None and hi - lo > limit:
                lo, hi = (hi - limit, hi) if from_end else (lo, lo + limit)
            return [m.model_copy(deep=True) for m in messages[lo:hi]]

    def _count_messages(self, key: SessionKey) -> int:
        with self._lock:
            return len(self._live(key).messages)

    def _clear_messages(self, key: SessionKey) -> int:
        with self._lock:
            entry = self._live(key)
            count, entry.messages = len(entry.messages), []
            return count

    def _trim_messages(self, key: SessionKey, keep_last: int) -> int:
        with self._lock:
            entry = self._live(key)
            drop = max(0, len(entry.messages) - keep_last)
            entry.messages = entry.messages[drop:]
            return drop

    # --- state ------------------------------------------------------------------------

    def _load_state(self, key: SessionKey) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._live(key).state)

    def _save_state(self, key: SessionKey, state: dict[str, Any]) -> None:
        with self._lock:
            self._live(key).state = copy.deepcopy(state)

    def _set_state_value(self, key: SessionKey, name: str, value: Any) -> None:
        with self._lock:
            self._live(key).state[name] = copy.deepcopy(value)

    def _increment_state(self, key: SessionKey, name: str, amount: int | float) -> int | float:
        with self._lock:
            state = self._live(key).state
            state[name] = incremented(state, name, amount)
            return state[name]

    # --- records ----------------------------------------------------------------------

    def _put_record(self, key: SessionKey, kind: str, record_id: str, data: dict[str, Any]) -> None:
        with self._lock:
            self._live(key).records[(kind, record_id)] = copy.deepcopy(data)

    def _get_record(self, key: SessionKey, kind: str, record_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._live(key).records.get((kind, record_id)))

    def _list_records(self, key: SessionKey, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            records = self._live(key).records
            return [copy.deepcopy(v) for (k, _), v in records.items() if k == kind]

    def _delete_records(self, key: SessionKey, kind: str, record_ids: list[str]) -> None:
        with self._lock:
            records = self._live(key).records
            for record_id in record_ids:
                records.pop((kind, record_id), None)

    # --- hierarchy and lifecycle ------------------------------------------------------

    def _rewind(self, key: SessionKey, position: int, state: dict[str, Any] | None) -> None:
        with self._lock:
            entry = self._live(key)
            entry.messages = [m for m in entry.messages if m.index < position]
            entry.info.next_index = position
            if state is not None:
                entry.state = copy.deepcopy(state)

    def _fork(self, source: SessionKey, info: SessionInfo, state: dict[str, Any]) -> SessionInfo:
        with self._lock:
            parent = self._live(source)
            child = self._create_session(info, exist_ok=False)
            entry = self._sessions[SessionKey(child.user_id, child.session_id)]
            entry.messages = [
                m.model_copy(deep=True) for m in parent.messages if m.index < info.fork_index
            ]
            entry.state = copy.deepcopy(state)
            return self._info(entry)

    def _import_session(self, data: SessionExport, replace: bool) -> SessionInfo:
        with self._lock:
            k = SessionKey(data.info.user_id, data.info.session_id)
            if not replace and self._get_session(k) is not None:
                raise SessionExistsError(f"session {k.session_id!r} already exists")
            self._sessions[k] = _Session(
                info=data.info.model_copy(deep=True),
                messages=[m.model_copy(deep=True) for m in data.messages],
                state=copy.deepcopy(data.state),
                records={
                    (kind, record_id(kind, r)): copy.deepcopy(r)
                    for kind, rows in data.records.items()
                    for r in rows
                },
            )
            return self._info(self._sessions[k])

    def _purge_expired(self) -> int:
        with self._lock:
            expired = [k for k, e in self._sessions.items() if e.info.is_expired()]
            for k in expired:
                del self._sessions[k]
            return len(expired)
