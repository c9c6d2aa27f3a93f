"""The store primitives as driver-independent operations.

Each function here is a generator named after a primitive of ``SessionStore`` (without the
underscore): it yields requests (see ``protocol``) and returns the primitive's result. The
sync store sends the requests with ``redis.Redis``, the async one with ``redis.asyncio``;
both run exactly this code.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tether.codec import dump_message, dumps
from tether.errors import (
    ConfigurationError,
    InvalidInputError,
    SchemaVersionError,
    SessionExistsError,
    SessionExpiredError,
    SessionNotFoundError,
    StoreAuthenticationError,
)
from tether.models import Message, SessionExport, SessionInfo, utcnow
from tether.stores._prepare import SessionKey
from tether_redis import codec, lua
from tether_redis.keys import (
    SESSION_PARTS,
    Namespace,
    all_member,
    key_of_member,
    user_member,
)
from tether_redis.protocol import Batch, Command, Eval, Operation

SCHEMA_VERSION = 1
MIN_REDIS = (7, 0)
PURGE_BATCH = 500
OK, MISSING, EXISTS, NAN = b"ok", b"missing", b"exists", b"nan"


# --- helpers ------------------------------------------------------------------------------


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _optional(value: int | None) -> str:
    return "" if value is None else str(value)


def _meta_pairs(info: SessionInfo) -> list[str]:
    pairs = codec.info_pairs(info)
    if info.expires_at is not None:
        pairs += ["_exp", codec.expiry_ms(info.expires_at)]
    return pairs


def _new_session_args(key: SessionKey, info: SessionInfo) -> list[Any]:
    """Index members, score and expiry: the arguments every script creating a session takes."""
    return [
        user_member(key),
        all_member(key),
        codec.micros(info.created_at),
        codec.expiry_ms(info.expires_at),
    ]


def _session_call(
    ns: Namespace,
    key: SessionKey,
    script: lua.Script,
    args: list[Any],
    extra: Sequence[str] = (),
    parts: int = len(SESSION_PARTS),
) -> Operation:
    """Run a script on a live session; raise if the session is absent or expired. Scripts
    that only touch the meta hash and the message list get just those two keys."""
    reply = yield Eval(script, [*ns.session(key)[:parts], *extra], args)
    if reply[0] == MISSING:
        yield from _missing(ns, key)
    return reply


def _missing(ns: Namespace, key: SessionKey) -> Operation:
    """Raise the right error for a session a script did not find: still in the expiry index
    means it expired (and has not been purged yet)."""
    expired = yield Command(("ZSCORE", ns.expiring, all_member(key)))
    where = f"session {key.session_id!r} for user {key.user_id!r}"
    if expired is not None:
        raise SessionExpiredError(f"{where} has expired")
    raise SessionNotFoundError(f"no {where}")


def check_server(ns: Namespace) -> Operation:
    """On open: the server answers, runs Redis 7 or newer, does not evict keys, and the
    layout under the prefix is one this version reads. A user whose ACL refuses INFO skips
    the version and eviction checks (a too old server then fails at the first script)."""
    try:
        info = yield Command(("INFO", "server", "memory"))
    except StoreAuthenticationError:
        info = None
    if info is not None:
        _check_info(info)
    version = yield Command(("GET", ns.schema))
    if version is None:
        yield Command(("SET", ns.schema, SCHEMA_VERSION, "NX"), readonly=False)
    elif int(version) > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"keys under prefix {ns.prefix!r} use layout version {int(version)}; this "
            f"tether-redis understands up to {SCHEMA_VERSION}: upgrade tether-redis"
        )


def _check_info(info: dict[str, Any]) -> None:
    found = str(info.get("redis_version", "0"))
    numbers = tuple(int(part) for part in found.split(".")[:2] if part.isdigit())
    if numbers < MIN_REDIS:
        raise ConfigurationError(
            f"tether-redis needs Redis {'.'.join(map(str, MIN_REDIS))} or newer; the server "
            f"runs {found}"
        )
    policy = info.get("maxmemory_policy", "noeviction")
    if policy != "noeviction":
        warnings.warn(
            f"Redis maxmemory-policy is {policy!r}: when memory runs out, Redis may evict "
            "session keys and lose messages. Set maxmemory-policy noeviction for sessions.",
            RuntimeWarning,
            stacklevel=4,
        )


# --- sessions -----------------------------------------------------------------------------


def create_session(ns: Namespace, info: SessionInfo, exist_ok: bool) -> Operation:
    key = SessionKey(info.user_id, info.session_id)
    args = [_flag(exist_ok), *_new_session_args(key, info), *_meta_pairs(info)]
    reply = yield Eval(lua.CREATE, [*ns.session(key), *ns.indexes(key)], args)
    if reply[0] == EXISTS:
        if exist_ok:
            return codec.load_info(reply[1], reply[2])
        raise SessionExistsError(f"session {info.session_id!r} already exists")
    return info.model_copy(update={"message_count": 0})


def get_session(ns: Namespace, key: SessionKey) -> Operation:
    reply = yield Eval(lua.GET, ns.session(key), ())
    return None if reply[0] == MISSING else codec.load_info(reply[1], reply[2])


def list_sessions(
    ns: Namespace, user_id: str | None, limit: int, after: tuple[datetime, str, str] | None
) -> Operation:
    if user_id is None:
        index, to_key = ns.all_sessions, key_of_member
    else:
        index = ns.user_sessions(user_id)

        def to_key(member: bytes) -> SessionKey:
            return SessionKey(user_id, member.decode())

    boundary = None
    if after is not None:
        after_key = SessionKey(after[1], after[2])
        member = all_member(after_key) if user_id is None else user_member(after_key)
        boundary = (member, codec.micros(after[0]))
    found: list[SessionInfo] = []
    want = max(limit, 10)
    while len(found) < limit:
        candidates, more = yield from _candidates(index, boundary, want)
        if candidates:
            calls = tuple(Eval(lua.GET, ns.session(to_key(m)), ()) for m, _ in candidates)
            for reply in (yield Batch(calls)):
                if reply[0] == OK:
                    found.append(codec.load_info(reply[1], reply[2]))
            boundary = candidates[-1]
        if not more:
            break
    return found[:limit]


def _candidates(index: str, boundary: tuple[bytes, int] | None, count: int) -> Operation:
    """Index entries after ``boundary`` in descending (score, member) order, and whether
    more may follow. Entries sharing the boundary's score are compared by member."""
    page = ("LIMIT", 0, count, "WITHSCORES")
    if boundary is None:
        rest = yield Command(("ZRANGE", index, "+inf", "-inf", "BYSCORE", "REV", *page))
        ties: list[tuple[bytes, int]] = []
    else:
        member, score = boundary
        same, rest = yield Batch(
            (
                Command(("ZRANGE", index, score, score, "BYSCORE", "REV", "WITHSCORES")),
                Command(("ZRANGE", index, f"({score}", "-inf", "BYSCORE", "REV", *page)),
            )
        )
        ties = [(m, s) for m, s in _scored(same) if m < member]
    rest = _scored(rest)
    return ties + rest, len(rest) == count


def _scored(reply: list[Any]) -> list[tuple[bytes, int]]:
    """(member, score) pairs from ZRANGE ... WITHSCORES, which redis-py returns either flat
    or already paired depending on its version."""
    if reply and isinstance(reply[0], (list, tuple)):
        return [(member, int(score)) for member, score in reply]
    return [(reply[i], int(float(reply[i + 1]))) for i in range(0, len(reply), 2)]


def update_session(ns: Namespace, key: SessionKey, changes: dict[str, Any]) -> Operation:
    mode, expiry = "keep", ""
    if "expires_at" in changes:
        expiry = codec.expiry_ms(changes["expires_at"])
        mode = "set" if expiry else "clear"
    args = [all_member(key), mode, expiry, *codec.change_pairs(changes)]
    reply = yield from _session_call(ns, key, lua.UPDATE, args, [ns.expiring])
    return codec.load_info(reply[1], reply[2])


def delete_session(ns: Namespace, key: SessionKey) -> Operation:
    keys = [*ns.session(key), *ns.indexes(key)]
    reply = yield Eval(lua.DELETE, keys, [user_member(key), all_member(key)])
    return reply[1] == 1


# --- messages -----------------------------------------------------------------------------


def append_messages(ns: Namespace, key: SessionKey, messages: list[Message]) -> Operation:
    args = [codec.timestamp(utcnow()), *(dump_message(m) for m in messages)]
    reply = yield from _session_call(ns, key, lua.APPEND, args, parts=2)
    first = int(reply[1])
    for offset, message in enumerate(messages):
        message.index = first + offset
    return messages


def read_messages(
    ns: Namespace,
    key: SessionKey,
    *,
    after: int | None,
    before: int | None,
    limit: int | None,
    from_end: bool,
) -> Operation:
    args = [_optional(after), _optional(before), _optional(limit), _flag(from_end)]
    reply = yield from _session_call(ns, key, lua.READ, args, parts=2)
    return codec.load_elements(reply[1])


def count_messages(ns: Namespace, key: SessionKey) -> Operation:
    return int((yield from _session_call(ns, key, lua.COUNT, [], parts=2))[1])


def clear_messages(ns: Namespace, key: SessionKey) -> Operation:
    return int((yield from _session_call(ns, key, lua.CLEAR, [], parts=2))[1])


def trim_messages(ns: Namespace, key: SessionKey, keep_last: int) -> Operation:
    return int((yield from _session_call(ns, key, lua.TRIM, [keep_last], parts=2))[1])


# --- state --------------------------------------------------------------------------------


def load_state(ns: Namespace, key: SessionKey) -> Operation:
    return codec.load_state((yield from _session_call(ns, key, lua.LOAD_STATE, []))[1])


def save_state(ns: Namespace, key: SessionKey, state: dict[str, Any]) -> Operation:
    yield from _session_call(ns, key, lua.SAVE_STATE, codec.state_pairs(state))


def set_state_value(ns: Namespace, key: SessionKey, name: str, value: Any) -> Operation:
    yield from _session_call(ns, key, lua.SET_STATE, [name, dumps(value)])


def increment_state(ns: Namespace, key: SessionKey, name: str, amount: int | float) -> Operation:
    args = [name, dumps(amount), _flag(isinstance(amount, int))]
    reply = yield from _session_call(ns, key, lua.INCREMENT, args)
    if reply[0] == OK:
        return codec.load_json(reply[1], "state value")
    current = codec.load_json(reply[1], "state value")
    if reply[0] == NAN:
        raise InvalidInputError(f"state[{name!r}] is not a number: {current!r}")
    raise InvalidInputError(
        f"state[{name!r}] = {current!r} plus {amount!r} is out of range (integers are added "
        "exactly within 64 bits, other numbers as finite doubles)"
    )


# --- records ------------------------------------------------------------------------------


def _field(kind: str, record_id: str) -> str:
    return f"{kind}:{record_id}"


def put_record(
    ns: Namespace, key: SessionKey, kind: str, record_id: str, data: dict[str, Any]
) -> Operation:
    yield from _session_call(ns, key, lua.PUT_RECORD, [_field(kind, record_id), dumps(data)])


def get_record(ns: Namespace, key: SessionKey, kind: str, record_id: str) -> Operation:
    reply = yield from _session_call(ns, key, lua.GET_RECORD, [_field(kind, record_id)])
    return None if reply[1] is None else codec.load_json(reply[1], "record")


def list_records(ns: Namespace, key: SessionKey, kind: str) -> Operation:
    reply = yield from _session_call(ns, key, lua.LIST_RECORDS, [_field(kind, "")])
    return [codec.load_json(raw, "record") for raw in reply[1] if raw is not None]


def delete_records(ns: Namespace, key: SessionKey, kind: str, record_ids: list[str]) -> Operation:
    fields = [_field(kind, record_id) for record_id in record_ids]
    yield from _session_call(ns, key, lua.DELETE_RECORDS, fields)


# --- hierarchy and lifecycle --------------------------------------------------------------


def rewind(
    ns: Namespace, key: SessionKey, position: int, state: dict[str, Any] | None
) -> Operation:
    pairs = codec.state_pairs(state or {})
    yield from _session_call(ns, key, lua.REWIND, [position, _flag(state is not None), *pairs])


def fork(ns: Namespace, source: SessionKey, info: SessionInfo, state: dict[str, Any]) -> Operation:
    target = SessionKey(info.user_id, info.session_id)
    meta = _meta_pairs(info)
    args = [info.fork_index, *_new_session_args(target, info), len(meta), *meta]
    keys = [*ns.session(target), *ns.indexes(target)]
    reply = yield from _session_call(ns, source, lua.FORK, [*args, *codec.state_pairs(state)], keys)
    if reply[0] == EXISTS:
        raise SessionExistsError(f"session {info.session_id!r} already exists")
    return info.model_copy(update={"message_count": int(reply[1])})


def import_session(ns: Namespace, data: SessionExport, replace: bool) -> Operation:
    info = data.info
    key = SessionKey(info.user_id, info.session_id)
    meta, state = _meta_pairs(info), codec.state_pairs(data.state)
    records: list[str] = []
    for kind, rows in data.records.items():
        for row in rows:
            record_id = str(row.get("snapshot_id") or row.get("run_id"))
            records += [_field(kind, record_id), dumps(row)]
    args = [_flag(replace), *_new_session_args(key, info), len(meta), len(state), len(records)]
    elements = [codec.element(m) for m in data.messages]
    keys = [*ns.session(key), *ns.indexes(key)]
    reply = yield Eval(lua.IMPORT, keys, [*args, *meta, *state, *records, *elements])
    if reply[0] == EXISTS:
        raise SessionExistsError(f"session {info.session_id!r} already exists")
    return info.model_copy(update={"message_count": len(elements)})


def purge_expired(ns: Namespace) -> Operation:
    seconds, micros = yield Command(("TIME",))
    now_ms = seconds * 1000 + micros // 1000
    purged = 0
    while True:
        members = yield Command(
            ("ZRANGE", ns.expiring, "-inf", now_ms, "BYSCORE", "LIMIT", 0, PURGE_BATCH)
        )
        calls = []
        for key in map(key_of_member, members):
            keys = [*ns.session(key), *ns.indexes(key)]
            calls.append(Eval(lua.PURGE, keys, [user_member(key), all_member(key)]))
        if calls:
            purged += sum((yield Batch(tuple(calls), readonly=False)))
        if len(members) < PURGE_BATCH:
            return purged


OPERATIONS = {
    f"_{name}": globals()[name]
    for name in (
        "create_session",
        "get_session",
        "list_sessions",
        "update_session",
        "delete_session",
        "append_messages",
        "read_messages",
        "count_messages",
        "clear_messages",
        "trim_messages",
        "load_state",
        "save_state",
        "set_state_value",
        "increment_state",
        "put_record",
        "get_record",
        "list_records",
        "delete_records",
        "rewind",
        "fork",
        "import_session",
        "purge_expired",
    )
}
"""Primitive name (``_append_messages``) -> operation."""
