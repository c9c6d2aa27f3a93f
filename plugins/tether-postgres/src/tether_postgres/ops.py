"""The store's operations, written once for both drivers (sans-IO).

Each operation is a generator that yields :class:`Stmt` objects and receives each one's
result: the rows (a list of tuples) for a statement that returns rows, else the row count.
Its return value is the primitive's result, or another :class:`Op` to run next. The sync
and async stores (``store.py``, ``aio.py``) only execute statements; every decision and
all decoding lives here, so the two cannot drift apart.

``@operation(tx=True)`` operations run in one transaction; the others are single
autocommit statements (plus, on failure, a lookup that tells missing from expired).
``read=True`` marks operations that are safe to retry once on a lost connection.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tether.codec import dump_message, dumps, load_message
from tether.errors import InvalidInputError, SessionExistsError, SessionExpiredError
from tether.models import Message, SessionExport, SessionInfo, utcnow
from tether.stores._prepare import SessionKey, require
from tether_postgres.statements import MAX_POSITION, Queries

Rows = list[tuple[Any, ...]]
Gen = Generator["Stmt", Any, Any]


@dataclass(frozen=True)
class Stmt:
    """One SQL statement and its parameters."""

    sql: str
    params: dict[str, Any] | None = None


@dataclass(frozen=True)
class Op:
    """A runnable operation: a generator function with its arguments and run mode."""

    fn: Callable[..., Gen]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    tx: bool = False
    read: bool = False

    def start(self) -> Gen:
        return self.fn(*self.args, **self.kwargs)


def operation(*, tx: bool = False, read: bool = False) -> Callable[[Callable[..., Gen]], Any]:
    """Turn a generator function into a factory of :class:`Op`."""

    def wrap(fn: Callable[..., Gen]) -> Callable[..., Op]:
        @functools.wraps(fn)
        def make(*args: Any, **kwargs: Any) -> Op:
            return Op(fn, args, kwargs, tx=tx, read=read)

        return make

    return wrap


# --- decoding and parameters -----------------------------------------------------------


def session_from_row(row: tuple[Any, ...]) -> SessionInfo:
    """A :class:`SessionInfo` from the columns of ``statements.SESSION_COLUMNS``."""
    (user_id, session_id, agent_name, title, parent_id, fork_index) = row[:6]
    (created_at, updated_at, expires_at, message_count, next_index, metadata) = row[6:12]
    return SessionInfo(
        session_id=session_id,
        user_id=user_id,
        agent_name=agent_name,
        title=title,
        parent_id=parent_id,
        fork_index=fork_index,
        created_at=_utc(created_at),
        updated_at=_utc(updated_at),
        expires_at=None if expires_at is None else _utc(expires_at),
        message_count=message_count,
        next_index=next_index,
        metadata=metadata,
    )


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def _key(key: SessionKey) -> dict[str, Any]:
    return {"user_id": key.user_id, "session_id": key.session_id}


def _session_params(
    info: SessionInfo,
    state: dict[str, Any],
    *,
    message_count: int = 0,
    base_sid: int | None = None,
    base_until: int = 0,
) -> dict[str, Any]:
    return {
        "user_id": info.user_id,
        "session_id": info.session_id,
        "agent_name": info.agent_name,
        "title": info.title,
        "parent_id": info.parent_id,
        "fork_index": info.fork_index,
        "created_at": info.created_at,
        "updated_at": info.updated_at,
        "expires_at": info.expires_at,
        "next_index": info.next_index,
        "message_count": message_count,
        "metadata": dumps(info.metadata),
        "state": dumps(state),
        "base_sid": base_sid if base_until else None,
        "base_until": base_until if base_sid is not None else 0,
    }


@dataclass(frozen=True)
class _Locked:
    """A session row locked for update (``lock_session``)."""

    sid: int
    expired: bool
    next_index: int
    message_count: int
    base_sid: int | None
    base_from: int
    base_until: int

    def without(self, lo: int, hi: int) -> dict[str, Any]:
        """The shared-history columns once positions [lo, hi) are no longer visible."""
        start, end = self.base_from, self.base_until
        if lo <= start:
            start = max(start, hi)
        if hi >= end:
            end = min(end, lo)
        if self.base_sid is None or start >= end:
            return {"base_sid": None, "base_from": 0, "base_until": 0}
        return {"base_sid": self.base_sid, "base_from": start, "base_until": end}


# --- shared steps ----------------------------------------------------------------------


def _missing(q: Queries, key: SessionKey) -> Gen:
    """Raise the right error for a session a statement did not find."""
    rows = yield Stmt(q.sql("status"), _key(key))
    if rows and rows[0][0]:
        raise SessionExpiredError(f"session {key.session_id!r} has expired")
    require(None, key)


def _live_rows(q: Queries, key: SessionKey, statement: str, **params: Any) -> Gen:
    """Run a statement that returns rows only when the session is live; returns them."""
    rows = yield Stmt(q.sql(statement), {**_key(key), **params})
    if not rows:
        yield from _missing(q, key)
    return rows


def _lock_live(q: Queries, key: SessionKey) -> Gen:
    rows = yield Stmt(q.sql("lock_session"), _key(key))
    if not rows or rows[0][1]:
        yield from _missing(q, key)
    return _Locked(*rows[0])


def _release_forks(q: Queries, sid: int, lo: int, hi: int) -> Gen:
    """Before positions [lo, hi) of session ``sid`` go away, give its forks their own copy
    of what they still see there (and stop them sharing that range)."""
    forks = yield Stmt(q.sql("lock_forks"), {"sid": sid})
    if forks:
        yield Stmt(q.sql("materialise"), {"sid": sid, "lo": lo, "hi": hi})


def _drop(q: Queries, sid: int) -> Gen:
    yield from _release_forks(q, sid, 0, MAX_POSITION)
    yield Stmt(q.sql("delete_session"), {"sid": sid})


def _cut(
    q: Queries,
    row: _Locked,
    lo: int,
    hi: int,
    *,
    next_index: int,
    message_count: int,
    state: dict[str, Any] | None = None,
) -> Gen:
    """Delete the session's messages at positions [lo, hi), forks kept whole."""
    yield from _release_forks(q, row.sid, lo, hi)
    yield Stmt(q.sql("delete_own"), {"sid": row.sid, "lo": lo, "hi": hi})
    params = {
        "sid": row.sid,
        "next_index": next_index,
        "message_count": message_count,
        "state": None if state is None else dumps(state),
        **row.without(lo, hi),
    }
    yield Stmt(q.sql("set_history"), params)


def _insert(
    q: Queries, params: dict[str, Any], *, exist_ok: bool = False, replace: bool = False
) -> Gen:
    """Insert a session row, replacing an expired one (any one, with ``replace``).
    Returns ``(sid, SessionInfo)``."""
    rows = yield Stmt(q.sql("insert_session"), params)
    if not rows:
        locked = yield Stmt(q.sql("lock_session"), params)
        if locked:
            sid, expired = locked[0][:2]
            if not expired and not replace:
                if exist_ok:
                    found = yield Stmt(q.sql("get_session"), params)
                    return sid, session_from_row(found[0])
                raise SessionExistsError(
                    f"session {params['session_id']!r} already exists "
                    f"for user {params['user_id']!r}"
                )
            yield from _drop(q, sid)
        rows = yield Stmt(q.sql("insert_session"), params)
        if not rows:
            raise SessionExistsError(f"session {params['session_id']!r} was created concurrently")
    return rows[0][0], session_from_row(rows[0][1:])


# --- sessions --------------------------------------------------------------------------


@operation()
def create_session(q: Queries, info: SessionInfo, exist_ok: bool) -> Gen:
    rows = yield Stmt(q.sql("insert_session"), _session_params(info, {}))
    if rows:
        return session_from_row(rows[0][1:])
    return _create_or_replace(q, info, exist_ok)


@operation(tx=True)
def _create_or_replace(q: Queries, info: SessionInfo, exist_ok: bool) -> Gen:
    _, created = yield from _insert(q, _session_params(info, {}), exist_ok=exist_ok)
    return created


@operation(read=True)
def get_session(q: Queries, key: SessionKey) -> Gen:
    rows = yield Stmt(q.sql("get_session"), _key(key))
    return session_from_row(rows[0]) if rows else None


@operation(read=True)
def list_sessions(q: Queries, user_id: str | None, limit: int, after: Any) -> Gen:
    name = "list_all" if user_id is None else "list_user"
    params: dict[str, Any] = {"user_id": user_id, "limit": limit}
    if after is not None:
        name += "_after"
        params.update(created_at=after[0], session_id=after[2])
        if user_id is None:
            params["user_id"] = after[1]
    rows = yield Stmt(q.sql(name), params)
    return [session_from_row(row) for row in rows]


@operation()
def update_session(q: Queries, key: SessionKey, changes: dict[str, Any]) -> Gen:
    params = {
        "set_title": "title" in changes,
        "title": changes.get("title"),
        "set_metadata": "metadata" in changes,
        "metadata": dumps(changes["metadata"]) if "metadata" in changes else None,
        "set_expires_at": "expires_at" in changes,
        "expires_at": changes.get("expires_at"),
        "updated_at": changes.get("updated_at") or utcnow(),
    }
    rows = yield from _live_rows(q, key, "update_session", **params)
    return session_from_row(rows[0])


@operation(tx=True)
def delete_session(q: Queries, key: SessionKey) -> Gen:
    rows = yield Stmt(q.sql("lock_session"), _key(key))
    if not rows:
        return False
    yield from _drop(q, rows[0][0])
    return True


@operation(tx=True)
def purge_expired(q: Queries) -> Gen:
    rows = yield Stmt(q.sql("expired"))
    for (sid,) in rows:
        yield from _drop(q, sid)
    return len(rows)


# --- messages --------------------------------------------------------------------------


@operation()
def append_messages(q: Queries, key: SessionKey, messages: list[Message]) -> Gen:
    bodies = [dump_message(m) for m in messages]
    if len(bodies) == 1:  # a scalar parameter: cheaper for the server than an array
        statement, values = "append_one", {"body": bodies[0]}
    else:
        statement, values = "append_many", {"bodies": bodies}
    rows = yield from _live_rows(q, key, statement, n=len(bodies), updated_at=utcnow(), **values)
    first = rows[0][0]
    for offset, message in enumerate(messages):
        message.index = first + offset
    return messages


@operation(read=True)
def read_messages(
    q: Queries,
    key: SessionKey,
    *,
    after: int | None,
    before: int | None,
    limit: int | None,
    from_end: bool,
) -> Gen:
    statement = "read_desc" if from_end else "read_asc"
    rows = yield from _live_rows(q, key, statement, after=after, before=before, limit=limit)
    return [load_message(body, position) for position, body in rows if position is not None]


@operation(read=True)
def count_messages(q: Queries, key: SessionKey) -> Gen:
    rows = yield from _live_rows(q, key, "count")
    return rows[0][0]


@operation(tx=True)
def clear_messages(q: Queries, key: SessionKey) -> Gen:
    row = yield from _lock_live(q, key)
    if row.message_count:
        yield from _cut(q, row, 0, MAX_POSITION, next_index=row.next_index, message_count=0)
    return row.message_count


@operation(tx=True)
def trim_messages(q: Queries, key: SessionKey, keep_last: int) -> Gen:
    row = yield from _lock_live(q, key)
    drop = row.message_count - keep_last
    if drop <= 0:
        return 0
    cut = row.next_index
    if keep_last:
        found = yield Stmt(q.sql("nth_newest"), {"sid": row.sid, "n": keep_last})
        cut = found[0][0]
    yield from _cut(q, row, 0, cut, next_index=row.next_index, message_count=keep_last)
    return drop


@operation(tx=True)
def rewind(q: Queries, key: SessionKey, position: int, state: dict[str, Any] | None) -> Gen:
    row = yield from _lock_live(q, key)
    if position > row.next_index:
        raise InvalidInputError(
            f"position {position} is ahead of the session's history (next index {row.next_index})"
        )
    removed = 0
    if position < row.next_index and row.message_count:
        counted = yield Stmt(
            q.sql("count_visible"), {"sid": row.sid, "lo": position, "hi": MAX_POSITION}
        )
        removed = counted[0][0]
    yield from _cut(
        q,
        row,
        position,
        MAX_POSITION,
        next_index=position,
        message_count=row.message_count - removed,
        state=state,
    )


# --- state -----------------------------------------------------------------------------


@operation(read=True)
def load_state(q: Queries, key: SessionKey) -> Gen:
    rows = yield from _live_rows(q, key, "load_state")
    return rows[0][0]


@operation()
def save_state(q: Queries, key: SessionKey, state: dict[str, Any]) -> Gen:
    yield from _live_rows(q, key, "save_state", state=dumps(state))


@operation()
def set_state_value(q: Queries, key: SessionKey, name: str, value: Any) -> Gen:
    yield from _live_rows(q, key, "set_state_value", name=name, value=dumps(value))


@operation()
def increment_state(q: Queries, key: SessionKey, name: str, amount: int | float) -> Gen:
    integral = isinstance(amount, int)
    rows = yield from _live_rows(q, key, "increment", name=name, amount=amount, integral=integral)
    value = rows[0][0]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"state[{name!r}] is not a number: {value!r}")
    return value


# --- records ---------------------------------------------------------------------------


@operation()
def put_record(q: Queries, key: SessionKey, kind: str, record_id: str, data: dict[str, Any]) -> Gen:
    yield from _live_rows(q, key, "put_record", kind=kind, record_id=record_id, data=dumps(data))


@operation(read=True)
def get_record(q: Queries, key: SessionKey, kind: str, record_id: str) -> Gen:
    rows = yield from _live_rows(q, key, "get_record", kind=kind, record_id=record_id)
    return rows[0][0]


@operation(read=True)
def list_records(q: Queries, key: SessionKey, kind: str) -> Gen:
    rows = yield from _live_rows(q, key, "list_records", kind=kind)
    return [data for (data,) in rows if data is not None]


@operation()
def delete_records(q: Queries, key: SessionKey, kind: str, record_ids: list[str]) -> Gen:
    yield from _live_rows(q, key, "delete_records", kind=kind, ids=list(record_ids))


# --- forks and import ------------------------------------------------------------------


@operation(tx=True)
def fork(q: Queries, source: SessionKey, info: SessionInfo, state: dict[str, Any]) -> Gen:
    rows = yield Stmt(q.sql("share_session"), _key(source))
    if not rows:
        yield from _missing(q, source)
    sid, next_index, count = rows[0]
    at = info.fork_index if info.fork_index is not None else next_index
    if at > next_index:
        raise InvalidInputError(
            f"fork position {at} is outside the session's history (0..{next_index})"
        )
    if at < next_index and count:
        above = yield Stmt(q.sql("count_visible"), {"sid": sid, "lo": at, "hi": MAX_POSITION})
        count -= above[0][0]
    params = _session_params(info, state, message_count=count, base_sid=sid, base_until=at)
    if not count:
        params.update(base_sid=None, base_until=0)
    _, created = yield from _insert(q, params)
    return created


def record_id(kind: str, record: dict[str, Any]) -> str:
    """The id of a snapshot or run record (its ``snapshot_id`` / ``run_id`` field)."""
    value = record.get(f"{kind}_id")
    if not isinstance(value, str):
        raise InvalidInputError(f"a {kind} record needs a string {kind}_id")
    return value


@operation(tx=True)
def import_session(q: Queries, data: SessionExport, replace: bool) -> Gen:
    params = _session_params(data.info, data.state, message_count=len(data.messages))
    sid, _ = yield from _insert(q, params, replace=replace)
    if data.messages:
        yield Stmt(
            q.sql("insert_messages"),
            {
                "sid": sid,
                "positions": [m.index for m in data.messages],
                "bodies": [dump_message(m) for m in data.messages],
            },
        )
    records = [(kind, r) for kind, rows in data.records.items() for r in rows]
    if records:
        yield Stmt(
            q.sql("insert_records"),
            {
                "sid": sid,
                "kinds": [kind for kind, _ in records],
                "ids": [record_id(kind, r) for kind, r in records],
                "datas": [dumps(r) for _, r in records],
            },
        )
    found = yield Stmt(q.sql("get_session"), params)
    return session_from_row(found[0])


PRIMITIVES: dict[str, Callable[..., Op]] = {
    "_create_session": create_session,
    "_get_session": get_session,
    "_list_sessions": list_sessions,
    "_update_session": update_session,
    "_delete_session": delete_session,
    "_append_messages": append_messages,
    "_read_messages": read_messages,
    "_count_messages": count_messages,
    "_clear_messages": clear_messages,
    "_trim_messages": trim_messages,
    "_load_state": load_state,
    "_save_state": save_state,
    "_set_state_value": set_state_value,
    "_increment_state": increment_state,
    "_put_record": put_record,
    "_get_record": get_record,
    "_list_records": list_records,
    "_delete_records": delete_records,
    "_rewind": rewind,
    "_fork": fork,
    "_import_session": import_session,
    "_purge_expired": purge_expired,
}
"""Store primitive name -> the operation that implements it."""
