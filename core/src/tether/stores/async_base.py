"""The async twin of the store contract.

:class:`AsyncSessionStore` has the same public methods as
:class:`~tether.stores.base.SessionStore`, as coroutines, with the same validation. A backend
with an async driver subclasses it and implements the async primitives; any other backend
gets :class:`ThreadedAsyncStore`, which runs the sync primitives in worker threads.
"""

from __future__ import annotations

import asyncio
import functools
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tether.errors import CapabilityError, SnapshotNotFoundError
from tether.ids import DEFAULT_USER_ID, validate_id
from tether.models import Message, Page, Run, SessionExport, SessionInfo, Snapshot
from tether.stores import _prepare as prep
from tether.stores._prepare import RUN, SNAPSHOT, UNSET, SessionKey

if TYPE_CHECKING:
    from tether.stores.base import SessionStore


class AsyncSessionStore(ABC):
    """Async session store. Get one from ``store.aio`` or :func:`tether.open_async_store`."""

    def __init__(self, sync: SessionStore) -> None:
        self.sync = sync
        self.url = sync.url
        self.capabilities = sync.capabilities
        self.backend_name = sync.backend_name

    def _require(self, capability: str) -> None:
        if not getattr(self.capabilities, capability):
            raise CapabilityError(f"the {self.backend_name} backend does not support {capability}")

    # --- sessions ---------------------------------------------------------------------

    async def create_session(
        self,
        session_id: str | None = None,
        *,
        user_id: str = DEFAULT_USER_ID,
        title: str | None = None,
        agent_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        ttl: float | None = None,
        exist_ok: bool = False,
    ) -> SessionInfo:
        info = prep.new_session_info(
            session_id, user_id, title=title, agent_name=agent_name, metadata=metadata, ttl=ttl
        )
        if ttl is not None:
            self._require("ttl")
        return await self._create_session(info, exist_ok)

    async def get_session(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> SessionInfo:
        k = prep.key(session_id, user_id)
        return prep.require(await self._get_session(k), k)

    async def session_exists(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> bool:
        return await self._get_session(prep.key(session_id, user_id)) is not None

    async def list_sessions(
        self, *, user_id: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[SessionInfo]:
        if user_id is not None:
            prep.key("x", user_id)
        want = prep.limit(limit)
        after = prep.session_cursor(cursor)
        return prep.session_page(await self._list_sessions(user_id, want + 1, after), want)

    async def update_session(
        self,
        session_id: str,
        *,
        user_id: str = DEFAULT_USER_ID,
        title: str | None = UNSET,
        metadata: Mapping[str, Any] | None = UNSET,
        ttl: float | None = UNSET,
    ) -> SessionInfo:
        changes = prep.session_changes(title, metadata, ttl)
        if ttl is not UNSET and ttl is not None:
            self._require("ttl")
        return await self._update_session(prep.key(session_id, user_id), changes)

    async def delete_session(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> bool:
        return await self._delete_session(prep.key(session_id, user_id))

    # --- messages ---------------------------------------------------------------------

    async def append_message(
        self,
        session_id: str,
        message: Message | Mapping[str, Any],
        *,
        user_id: str = DEFAULT_USER_ID,
    ) -> Message:
        return (await self.append_messages(session_id, [message], user_id=user_id))[0]

    async def append_messages(
        self,
        session_id: str,
        messages: Iterable[Message | Mapping[str, Any]],
        *,
        user_id: str = DEFAULT_USER_ID,
    ) -> list[Message]:
        k = prep.key(session_id, user_id)
        items = prep.messages(messages)
        return await self._append_messages(k, items) if items else []

    async def get_messages(
        self, session_id: str, *, user_id: str = DEFAULT_USER_ID, last: int | None = None
    ) -> list[Message]:
        k = prep.key(session_id, user_id)
        n = prep.limit(last, "last", allow_none=True)
        return await self._read_messages(k, after=None, before=None, limit=n, from_end=True)

    async def get_message_page(
        self,
        session_id: str,
        *,
        user_id: str = DEFAULT_USER_ID,
        after: int | str | None = None,
        before: int | str | None = None,
        limit: int = 100,
    ) -> Page[Message]:
        k = prep.key(session_id, user_id)
        lo, hi = prep.index_cursor(after, "after"), prep.index_cursor(before, "before")
        want = prep.limit(limit)
        backwards = hi is not None and lo is None
        items = await self._read_messages(
            k, after=lo, before=hi, limit=want + 1, from_end=backwards
        )
        return prep.message_page(items, want, backwards)

    async def count_messages(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> int:
        return await self._count_messages(prep.key(session_id, user_id))

    async def clear_messages(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> int:
        return await self._clear_messages(prep.key(session_id, user_id))

    async def trim_messages(
        self, session_id: str, keep_last: int, *, user_id: str = DEFAULT_USER_ID
    ) -> int:
        k = prep.key(session_id, user_id)
        return await self._trim_messages(k, prep.limit(keep_last, "keep_last"))

    # --- state ------------------------------------------------------------------------

    async def save_state(
        self, session_id: str, state: Mapping[str, Any], *, user_id: str = DEFAULT_USER_ID
    ) -> None:
        k = prep.key(session_id, user_id)
        if not isinstance(state, Mapping):
            raise prep.InvalidInputError(f"state must be a dict, not {type(state).__name__}")
        await self._save_state(k, dict(prep.check_json(dict(state), "state")))

    async def load_state(
        self, session_id: str, *, user_id: str = DEFAULT_USER_ID
    ) -> dict[str, Any]:
        return await self._load_state(prep.key(session_id, user_id))

    async def get_state_value(
        self, session_id: str, key: str, default: Any = None, *, user_id: str = DEFAULT_USER_ID
    ) -> Any:
        k = prep.key(session_id, user_id)
        return (await self._load_state(k)).get(prep.state_key(key), default)

    async def set_state_value(
        self, session_id: str, key: str, value: Any, *, user_id: str = DEFAULT_USER_ID
    ) -> None:
        k = prep.key(session_id, user_id)
        value = prep.check_json(value, f"state[{key!r}]")
        await self._set_state_value(k, prep.state_key(key), value)

    async def increment_state(
        self,
        session_id: str,
        key: str,
        amount: int | float = 1,
        *,
        user_id: str = DEFAULT_USER_ID,
    ) -> int | float:
        k = prep.key(session_id, user_id)
        return await self._increment_state(k, prep.state_key(key), prep.amount(amount))

    # --- hierarchy --------------------------------------------------------------------

    async def create_snapshot(
        self, session_id: str, *, user_id: str = DEFAULT_USER_ID, label: str | None = None
    ) -> Snapshot:
        self._require("snapshots")
        k = prep.key(session_id, user_id)
        info = prep.require(await self._get_session(k), k)
        snap = prep.snapshot(info, await self._load_state(k), label)
        await self._put_record(k, SNAPSHOT, snap.snapshot_id, snap.model_dump(mode="json"))
        return snap

    async def list_snapshots(
        self, session_id: str, *, user_id: str = DEFAULT_USER_ID
    ) -> list[Snapshot]:
        self._require("snapshots")
        records = await self._list_records(prep.key(session_id, user_id), SNAPSHOT)
        return [Snapshot.model_validate(r) for r in records]

    async def get_snapshot(
        self, session_id: str, snapshot_id: str, *, user_id: str = DEFAULT_USER_ID
    ) -> Snapshot:
        self._require("snapshots")
        k = prep.key(session_id, user_id)
        record = await self._get_record(k, SNAPSHOT, validate_id(snapshot_id, "snapshot id"))
        if record is None:
            raise SnapshotNotFoundError(f"no snapshot {snapshot_id!r} in session {session_id!r}")
        return Snapshot.model_validate(record)

    async def revert_to_snapshot(
        self, session_id: str, snapshot_id: str, *, user_id: str = DEFAULT_USER_ID
    ) -> SessionInfo:
        snap = await self.get_snapshot(session_id, snapshot_id, user_id=user_id)
        return await self._rewind_to(prep.key(session_id, user_id), snap.position, snap.state)

    async def rewind(
        self, session_id: str, position: int, *, user_id: str = DEFAULT_USER_ID
    ) -> SessionInfo:
        self._require("snapshots")
        return await self._rewind_to(prep.key(session_id, user_id), position, None)

    async def _rewind_to(
        self, k: SessionKey, position: int, state: dict[str, Any] | None
    ) -> SessionInfo:
        position = prep.rewind_position(prep.require(await self._get_session(k), k), position)
        await self._rewind(k, position, state)
        snapshots = await self.list_snapshots(k.session_id, user_id=k.user_id)
        stale = [s.snapshot_id for s in snapshots if s.position > position]
        if stale:
            await self._delete_records(k, SNAPSHOT, stale)
        return prep.require(await self._get_session(k), k)

    async def fork_session(
        self,
        session_id: str,
        *,
        user_id: str = DEFAULT_USER_ID,
        new_session_id: str | None = None,
        position: int | None = None,
        snapshot_id: str | None = None,
        title: str | None = None,
    ) -> SessionInfo:
        self._require("forks")
        k = prep.key(session_id, user_id)
        source = prep.require(await self._get_session(k), k)
        if snapshot_id is not None:
            snap = await self.get_snapshot(session_id, snapshot_id, user_id=user_id)
            at, state = prep.fork_position(source, snap.position), snap.state
        else:
            at, state = prep.fork_position(source, position), await self._load_state(k)
        return await self._fork(k, prep.fork_info(source, new_session_id, at, title), state)

    # --- runs and lifecycle -----------------------------------------------------------

    async def save_run(self, run: Run, *, user_id: str = DEFAULT_USER_ID) -> None:
        k = prep.key(run.session_id, user_id)
        await self._put_record(k, RUN, run.run_id, run.model_dump(mode="json"))

    async def list_runs(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> list[Run]:
        records = await self._list_records(prep.key(session_id, user_id), RUN)
        return [Run.model_validate(r) for r in records]

    async def export_session(
        self, session_id: str, *, user_id: str = DEFAULT_USER_ID
    ) -> SessionExport:
        k = prep.key(session_id, user_id)
        info = prep.require(await self._get_session(k), k)
        messages = await self._read_messages(k, after=None, before=None, limit=None, from_end=False)
        records = {kind: await self._list_records(k, kind) for kind in prep.RECORD_KINDS}
        state = await self._load_state(k)
        return SessionExport(info=info, messages=messages, state=state, records=records)

    async def import_session(self, data: SessionExport, *, replace: bool = False) -> SessionInfo:
        return await self._import_session(prep.export(data), replace)

    async def purge_expired(self) -> int:
        self._require("ttl")
        return await self._purge_expired()

    async def aclose(self) -> None:
        """Release the async connections (the sync store is closed separately)."""

    async def __aenter__(self) -> AsyncSessionStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- primitives (same meaning as in SessionStore) ---------------------------------

    @abstractmethod
    async def _create_session(self, info: SessionInfo, exist_ok: bool) -> SessionInfo: ...

    @abstractmethod
    async def _get_session(self, key: SessionKey) -> SessionInfo | None: ...

    @abstractmethod
    async def _list_sessions(
        self, user_id: str | None, limit: int, after: tuple[datetime, str, str] | None
    ) -> list[SessionInfo]: ...

    @abstractmethod
    async def _update_session(self, key: SessionKey, changes: dict[str, Any]) -> SessionInfo: ...

    @abstractmethod
    async def _delete_session(self, key: SessionKey) -> bool: ...

    @abstractmethod
    async def _append_messages(self, key: SessionKey, messages: list[Message]) -> list[Message]: ...

    @abstractmethod
    async def _read_messages(
        self,
        key: SessionKey,
        *,
        after: int | None,
        before: int | None,
        limit: int | None,
        from_end: bool,
    ) -> list[Message]: ...

    @abstractmethod
    async def _count_messages(self, key: SessionKey) -> int: ...

    @abstractmethod
    async def _clear_messages(self, key: SessionKey) -> int: ...

    @abstractmethod
    async def _trim_messages(self, key: SessionKey, keep_last: int) -> int: ...

    @abstractmethod
    async def _load_state(self, key: SessionKey) -> dict[str, Any]: ...

    @abstractmethod
    async def _save_state(self, key: SessionKey, state: dict[str, Any]) -> None: ...

    @abstractmethod
    async def _set_state_value(self, key: SessionKey, name: str, value: Any) -> None: ...

    @abstractmethod
    async def _increment_state(
        self, key: SessionKey, name: str, amount: int | float
    ) -> int | float: ...

    @abstractmethod
    async def _put_record(
        self, key: SessionKey, kind: str, record_id: str, data: dict[str, Any]
    ) -> None: ...

    @abstractmethod
    async def _get_record(
        self, key: SessionKey, kind: str, record_id: str
    ) -> dict[str, Any] | None: ...

    @abstractmethod
    async def _list_records(self, key: SessionKey, kind: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def _delete_records(self, key: SessionKey, kind: str, record_ids: list[str]) -> None: ...

    @abstractmethod
    async def _rewind(
        self, key: SessionKey, position: int, state: dict[str, Any] | None
    ) -> None: ...

    @abstractmethod
    async def _fork(
        self, source: SessionKey, info: SessionInfo, state: dict[str, Any]
    ) -> SessionInfo: ...

    @abstractmethod
    async def _import_session(self, data: SessionExport, replace: bool) -> SessionInfo: ...

    @abstractmethod
    async def _purge_expired(self) -> int: ...


PRIMITIVES = tuple(sorted(AsyncSessionStore.__abstractmethods__))


def _threaded(name: str) -> Any:
    async def call(self: ThreadedAsyncStore, *args: Any, **kwargs: Any) -> Any:
        bound = functools.partial(getattr(self.sync, name), *args, **kwargs)
        return await asyncio.to_thread(bound)

    call.__name__ = name
    return call


class ThreadedAsyncStore(AsyncSessionStore):
    """Async access to a sync-only backend: each primitive runs in a worker thread."""


for _name in PRIMITIVES:
    setattr(ThreadedAsyncStore, _name, _threaded(_name))
ThreadedAsyncStore.__abstractmethods__ = frozenset()
