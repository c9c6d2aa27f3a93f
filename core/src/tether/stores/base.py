"""The store contract: :class:`SessionStore` and its native async twin.

A backend subclasses :class:`SessionStore` and implements the underscore methods (the
*primitives*). The public methods validate every argument first (see ``_prepare``), so a
backend only ever sees clean input. Primitives receive a :class:`SessionKey`; each raises
:class:`~tether.errors.SessionNotFoundError` (or its subclass ``SessionExpiredError``) when the
session does not exist or has expired, and must be safe with several processes writing at
once unless the backend declares ``multi_process=False``.

Message indexes: each session has a ``next_index``. An append gives its messages the next
indexes in order; clearing or trimming deletes messages but never lowers ``next_index``; only
a rewind (revert) does. A fork keeps the parent's indexes for the messages it starts with.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from tether.errors import CapabilityError, SnapshotNotFoundError
from tether.ids import DEFAULT_USER_ID, validate_id
from tether.models import Message, Page, Run, SessionExport, SessionInfo, Snapshot
from tether.stores import _prepare as prep
from tether.stores._prepare import RUN, SNAPSHOT, UNSET, SessionKey
from tether.stores.url import mask_url

if TYPE_CHECKING:
    from tether.stores.async_base import AsyncSessionStore


@dataclass(frozen=True)
class Capabilities:
    """What a backend supports. The conformance kit runs every test whose capability is set
    and fails a backend that skips one it claims."""

    persistent: bool = True
    """Data survives the process that wrote it."""
    multi_process: bool = True
    """Several processes may read and write the same sessions at once."""
    ttl: bool = True
    """Sessions can expire (``ttl=``) and be purged."""
    snapshots: bool = True
    """Snapshots, rewind and revert."""
    forks: bool = True
    """Forking a session from its end, a position or a snapshot."""
    native_async: bool = False
    """``store.aio`` uses an async driver rather than a thread pool."""

    def absent(self) -> set[str]:
        """Names of the capabilities this backend lacks."""
        return {f.name for f in fields(self) if not getattr(self, f.name)}


class SessionStore(ABC):
    """A session store. Create one with :func:`tether.open_store` or a backend's class."""

    backend_name: ClassVar[str] = ""
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, url: str) -> None:
        self.url = url
        self._aio: AsyncSessionStore | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {mask_url(self.url)}>"

    def _require(self, capability: str) -> None:
        if not getattr(self.capabilities, capability):
            raise CapabilityError(f"the {self.backend_name} backend does not support {capability}")

    # --- sessions ---------------------------------------------------------------------

    def create_session(
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
        """Create a session (a random id when ``session_id`` is None); ``ttl`` in seconds.

        Raises ``SessionExistsError`` if it exists, unless ``exist_ok`` (then returns it).
        An expired session with the same id is replaced.
        """
        info = prep.new_session_info(
            session_id, user_id, title=title, agent_name=agent_name, metadata=metadata, ttl=ttl
        )
        if ttl is not None:
            self._require("ttl")
        return self._create_session(info, exist_ok)

    def get_session(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> SessionInfo:
        """The session's info; raises ``SessionNotFoundError`` if absent or expired."""
        k = prep.key(session_id, user_id)
        return prep.require(self._get_session(k), k)

    def session_exists(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> bool:
        """True if the session exists and has not expired."""
        return self._get_session(prep.key(session_id, user_id)) is not None

    def list_sessions(
        self, *, user_id: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[SessionInfo]:
        """Sessions newest first (all users when ``user_id`` is None), one page at a time."""
        if user_id is not None:
            prep.key("x", user_id)
        want = prep.limit(limit)
        after = prep.session_cursor(cursor)
        return prep.session_page(self._list_sessions(user_id, want + 1, after), want)

    def update_session(
        self,
        session_id: str,
        *,
        user_id: str = DEFAULT_USER_ID,
        title: str | None = UNSET,
        metadata: Mapping[str, Any] | None = UNSET,
        ttl: float | None = UNSET,
    ) -> SessionInfo:
        """Change a session's title, metadata or TTL (``ttl`` counts from now; None clears)."""
        changes = prep.session_changes(title, metadata, ttl)
        if ttl is not UNSET and ttl is not None:
            self._require("ttl")
        return self._update_session(prep.key(session_id, user_id), changes)

    def delete_session(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> bool:
        """Delete a session with its messages, state, snapshots and runs. Its forks live on."""
        return self._delete_session(prep.key(session_id, user_id))

    # --- messages ---------------------------------------------------------------------

    def append_message(
        self,
        session_id: str,
        message: Message | Mapping[str, Any],
        *,
        user_id: str = DEFAULT_USER_ID,
    ) -> Message:
        """Append one message; returns a copy carrying its assigned ``index``."""
        return self.append_messages(session_id, [message], user_id=user_id)[0]

    def append_messages(
        self,
        session_id: str,
        messages: Iterable[Message | Mapping[str, Any]],
        *,
        user_id: str = DEFAULT_USER_ID,
    ) -> list[Message]:
        """Append messages atomically and in order; returns copies with their indexes."""
        k = prep.key(session_id, user_id)
        items = prep.messages(messages)
        return self._append_messages(k, items) if items else []

    def get_messages(
        self, session_id: str, *, user_id: str = DEFAULT_USER_ID, last: int | None = None
    ) -> list[Message]:
        """The whole history, or only the ``last`` N messages, oldest first."""
        k = prep.key(session_id, user_id)
        n = prep.limit(last, "last", allow_none=True)
        return self._read_messages(k, after=None, before=None, limit=n, from_end=True)

    def get_message_page(
        self,
        session_id: str,
        *,
        user_id: str = DEFAULT_USER_ID,
        after: int | str | None = None,
        before: int | str | None = None,
        limit: int = 100,
    ) -> Page[Message]:
        """Messages with index > ``after`` (oldest first), or the ones just before ``before``.

        ``next_cursor`` continues in the same direction: pass it as ``after`` (or ``before``).
        """
        k = prep.key(session_id, user_id)
        lo, hi = prep.index_cursor(after, "after"), prep.index_cursor(before, "before")
        want = prep.limit(limit)
        backwards = hi is not None and lo is None
        items = self._read_messages(k, after=lo, before=hi, limit=want + 1, from_end=backwards)
        return prep.message_page(items, want, backwards)

    def count_messages(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> int:
        """How many messages the session holds now."""
        return self._count_messages(prep.key(session_id, user_id))

    def clear_messages(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> int:
        """Delete every message (state and snapshots stay); returns how many were deleted."""
        return self._clear_messages(prep.key(session_id, user_id))

    def trim_messages(
        self, session_id: str, keep_last: int, *, user_id: str = DEFAULT_USER_ID
    ) -> int:
        """Retention: keep only the newest ``keep_last`` messages; returns how many went."""
        return self._trim_messages(
            prep.key(session_id, user_id), prep.limit(keep_last, "keep_last")
        )

    # --- state ------------------------------------------------------------------------

    def save_state(
        self, session_id: str, state: Mapping[str, Any], *, user_id: str = DEFAULT_USER_ID
    ) -> None:
        """Replace the session's whole state with ``state`` (a JSON object)."""
        k = prep.key(session_id, user_id)
        if not isinstance(state, Mapping):
            raise prep.InvalidInputError(f"state must be a dict, not {type(state).__name__}")
        self._save_state(k, dict(prep.check_json(dict(state), "state")))

    def load_state(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> dict[str, Any]:
        """The session's whole state ({} when nothing was saved)."""
        return self._load_state(prep.key(session_id, user_id))

    def get_state_value(
        self, session_id: str, key: str, default: Any = None, *, user_id: str = DEFAULT_USER_ID
    ) -> Any:
        """One key of the state, or ``default``."""
        k = prep.key(session_id, user_id)
        return self._load_state(k).get(prep.state_key(key), default)

    def set_state_value(
        self, session_id: str, key: str, value: Any, *, user_id: str = DEFAULT_USER_ID
    ) -> None:
        """Set one key of the state, leaving the others alone (atomic)."""
        k = prep.key(session_id, user_id)
        self._set_state_value(k, prep.state_key(key), prep.check_json(value, f"state[{key!r}]"))

    def increment_state(
        self,
        session_id: str,
        key: str,
        amount: int | float = 1,
        *,
        user_id: str = DEFAULT_USER_ID,
    ) -> int | float:
        """Add ``amount`` to a numeric key (missing counts as 0), atomically across processes."""
        k = prep.key(session_id, user_id)
        return self._increment_state(k, prep.state_key(key), prep.amount(amount))

    # --- hierarchy --------------------------------------------------------------------

    def create_snapshot(
        self, session_id: str, *, user_id: str = DEFAULT_USER_ID, label: str | None = None
    ) -> Snapshot:
        """Record the current history position and state under a new snapshot id."""
        self._require("snapshots")
        k = prep.key(session_id, user_id)
        snap = prep.snapshot(prep.require(self._get_session(k), k), self._load_state(k), label)
        self._put_record(k, SNAPSHOT, snap.snapshot_id, snap.model_dump(mode="json"))
        return snap

    def list_snapshots(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> list[Snapshot]:
        """The session's snapshots, oldest first."""
        self._require("snapshots")
        records = self._list_records(prep.key(session_id, user_id), SNAPSHOT)
        return [Snapshot.model_validate(r) for r in records]

    def get_snapshot(
        self, session_id: str, snapshot_id: str, *, user_id: str = DEFAULT_USER_ID
    ) -> Snapshot:
        """One snapshot; raises ``SnapshotNotFoundError`` for an unknown id."""
        self._require("snapshots")
        k = prep.key(session_id, user_id)
        record = self._get_record(k, SNAPSHOT, validate_id(snapshot_id, "snapshot id"))
        if record is None:
            raise SnapshotNotFoundError(f"no snapshot {snapshot_id!r} in session {session_id!r}")
        return Snapshot.model_validate(record)

    def revert_to_snapshot(
        self, session_id: str, snapshot_id: str, *, user_id: str = DEFAULT_USER_ID
    ) -> SessionInfo:
        """Drop the messages added after the snapshot and restore its state."""
        snap = self.get_snapshot(session_id, snapshot_id, user_id=user_id)
        return self._rewind_to(prep.key(session_id, user_id), snap.position, snap.state)

    def rewind(
        self, session_id: str, position: int, *, user_id: str = DEFAULT_USER_ID
    ) -> SessionInfo:
        """Keep only the messages with index < ``position``; the state is left as it is."""
        self._require("snapshots")
        return self._rewind_to(prep.key(session_id, user_id), position, None)

    def _rewind_to(self, k: SessionKey, position: int, state: dict[str, Any] | None) -> SessionInfo:
        position = prep.rewind_position(prep.require(self._get_session(k), k), position)
        self._rewind(k, position, state)
        stale = [
            s.snapshot_id
            for s in self.list_snapshots(k.session_id, user_id=k.user_id)
            if s.position > position
        ]
        if stale:
            self._delete_records(k, SNAPSHOT, stale)
        return prep.require(self._get_session(k), k)

    def fork_session(
        self,
        session_id: str,
        *,
        user_id: str = DEFAULT_USER_ID,
        new_session_id: str | None = None,
        position: int | None = None,
        snapshot_id: str | None = None,
        title: str | None = None,
    ) -> SessionInfo:
        """A new session starting with this one's history (up to ``position`` or a snapshot)
        and state. Later writes to either are invisible to the other."""
        self._require("forks")
        k = prep.key(session_id, user_id)
        source = prep.require(self._get_session(k), k)
        if snapshot_id is not None:
            snap = self.get_snapshot(session_id, snapshot_id, user_id=user_id)
            at, state = prep.fork_position(source, snap.position), snap.state
        else:
            at, state = prep.fork_position(source, position), self._load_state(k)
        return self._fork(k, prep.fork_info(source, new_session_id, at, title), state)

    # --- runs -------------------------------------------------------------------------

    def save_run(self, run: Run, *, user_id: str = DEFAULT_USER_ID) -> None:
        """Insert or update a run record of the run's session."""
        k = prep.key(run.session_id, user_id)
        self._put_record(k, RUN, run.run_id, run.model_dump(mode="json"))

    def list_runs(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> list[Run]:
        """The session's runs, oldest first."""
        return [
            Run.model_validate(r) for r in self._list_records(prep.key(session_id, user_id), RUN)
        ]

    # --- export and import ------------------------------------------------------------

    def export_session(self, session_id: str, *, user_id: str = DEFAULT_USER_ID) -> SessionExport:
        """Everything of one session: info, full history (a fork's inherited messages
        included), state, snapshots and runs."""
        k = prep.key(session_id, user_id)
        info = prep.require(self._get_session(k), k)
        messages = self._read_messages(k, after=None, before=None, limit=None, from_end=False)
        records = {kind: self._list_records(k, kind) for kind in prep.RECORD_KINDS}
        return SessionExport(
            info=info, messages=messages, state=self._load_state(k), records=records
        )

    def import_session(self, data: SessionExport, *, replace: bool = False) -> SessionInfo:
        """Store an exported session as it was (ids, indexes, timestamps, parent link).
        An existing session with the same key raises ``SessionExistsError`` unless
        ``replace``, which makes re-running a migration safe."""
        return self._import_session(prep.export(data), replace)

    # --- lifecycle --------------------------------------------------------------------

    def purge_expired(self) -> int:
        """Delete every expired session for good; returns how many were deleted."""
        self._require("ttl")
        return self._purge_expired()

    @property
    def aio(self) -> AsyncSessionStore:
        """The async twin of this store (same data, same configuration)."""
        if self._aio is None:
            self._aio = self._make_async()
        return self._aio

    def _make_async(self) -> AsyncSessionStore:
        """Backends with an async driver override this; the default runs in threads."""
        from tether.stores.async_base import ThreadedAsyncStore

        return ThreadedAsyncStore(self)

    def close(self) -> None:
        """Release connections and files. Safe to call twice."""

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- primitives: what a backend implements ----------------------------------------

    @abstractmethod
    def _create_session(self, info: SessionInfo, exist_ok: bool) -> SessionInfo:
        """Store a new session (replacing an expired one); on conflict raise
        ``SessionExistsError`` or, with ``exist_ok``, return the existing info."""

    @abstractmethod
    def _get_session(self, key: SessionKey) -> SessionInfo | None:
        """The info, with ``message_count`` and ``next_index``; None if absent or expired."""

    @abstractmethod
    def _list_sessions(
        self, user_id: str | None, limit: int, after: tuple[datetime, str, str] | None
    ) -> list[SessionInfo]:
        """Up to ``limit`` live sessions ordered by (created_at, user_id, session_id)
        descending, starting strictly after the ``after`` tuple."""

    @abstractmethod
    def _update_session(self, key: SessionKey, changes: dict[str, Any]) -> SessionInfo:
        """Apply ``changes`` (keys among title, metadata, expires_at, updated_at)."""

    @abstractmethod
    def _delete_session(self, key: SessionKey) -> bool:
        """Delete everything of the session; False if it did not exist."""

    @abstractmethod
    def _append_messages(self, key: SessionKey, messages: list[Message]) -> list[Message]:
        """Atomically give the messages the next indexes, store them, return them."""

    @abstractmethod
    def _read_messages(
        self,
        key: SessionKey,
        *,
        after: int | None,
        before: int | None,
        limit: int | None,
        from_end: bool,
    ) -> list[Message]:
        """Messages with after < index < before, oldest first; at most ``limit`` of them,
        taken from the newest end when ``from_end``. Cost must be O(limit), not O(history)."""

    @abstractmethod
    def _count_messages(self, key: SessionKey) -> int: ...

    @abstractmethod
    def _clear_messages(self, key: SessionKey) -> int: ...

    @abstractmethod
    def _trim_messages(self, key: SessionKey, keep_last: int) -> int: ...

    @abstractmethod
    def _load_state(self, key: SessionKey) -> dict[str, Any]: ...

    @abstractmethod
    def _save_state(self, key: SessionKey, state: dict[str, Any]) -> None: ...

    @abstractmethod
    def _set_state_value(self, key: SessionKey, name: str, value: Any) -> None: ...

    @abstractmethod
    def _increment_state(self, key: SessionKey, name: str, amount: int | float) -> int | float:
        """Atomic add; raise ``InvalidInputError`` if the current value is not a number."""

    @abstractmethod
    def _put_record(self, key: SessionKey, kind: str, record_id: str, data: dict[str, Any]) -> None:
        """Insert or replace a JSON record (snapshots, runs) of the session."""

    @abstractmethod
    def _get_record(self, key: SessionKey, kind: str, record_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def _list_records(self, key: SessionKey, kind: str) -> list[dict[str, Any]]:
        """Records of one kind in the order they were first put."""

    @abstractmethod
    def _delete_records(self, key: SessionKey, kind: str, record_ids: list[str]) -> None: ...

    @abstractmethod
    def _rewind(self, key: SessionKey, position: int, state: dict[str, Any] | None) -> None:
        """Atomically delete messages with index >= position, set ``next_index`` to
        ``position`` and, unless ``state`` is None, replace the state."""

    @abstractmethod
    def _fork(self, source: SessionKey, info: SessionInfo, state: dict[str, Any]) -> SessionInfo:
        """Create session ``info`` holding the source's messages with index <
        ``info.fork_index`` and ``state``. Raise ``SessionExistsError`` if it exists."""

    @abstractmethod
    def _import_session(self, data: SessionExport, replace: bool) -> SessionInfo:
        """Store ``data`` verbatim: info fields as given (created_at, next_index, parent_id,
        fork_index), every message with its index, the state and the records. The messages
        are the complete history; a fork imported this way owns copies of them."""

    @abstractmethod
    def _purge_expired(self) -> int: ...
