"""The store primitives as driver-independent operations (generators, see ``protocol``).

Each public function is named after a ``SessionStore`` primitive (without the underscore),
yields calls and returns the primitive's result. ``MongoStore`` runs them with pymongo's
``MongoClient``, ``AsyncMongoStore`` with ``AsyncMongoClient``: both run exactly this code.

The session document is the single source of truth for what is visible: a message exists for
readers iff ``low <= i < next_index`` of its session's current incarnation. Every operation
therefore commits with one update of that one document, a compare-and-set: an append inserts
its messages first (invisible, above ``next_index``) and then moves ``next_index`` past them;
clear, trim and rewind move ``low`` or ``next_index`` and then delete what they hid; fork and
import write their messages under a fresh incarnation id and make them visible by inserting
the session document last. No multi-document transaction is needed, and a crash at any point
leaves every session readable: at worst some unreachable documents remain, which appends
and ``purge_expired`` clean up.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import datetime
from typing import Any

from bson import ObjectId

from tether.codec import dump_message, dumps, load_message
from tether.errors import (
    InvalidInputError,
    SchemaVersionError,
    SessionExistsError,
    SessionExpiredError,
    SessionNotFoundError,
)
from tether.models import Message, SessionExport, SessionInfo
from tether.stores._prepare import RUN, SNAPSHOT, SessionKey
from tether.stores.async_base import PRIMITIVES as PRIMITIVE_NAMES
from tether_mongodb import documents as d
from tether_mongodb.documents import MESSAGES, META, NO_STATE, RECORDS, SESSIONS
from tether_mongodb.protocol import (
    TYPE_MISMATCH,
    Append,
    Call,
    Retry,
    code_of,
    is_duplicate,
)

Op = Generator[Any, Any, Any]
Head = tuple[Any, int, int]
"""What a store remembers of a session between appends: (sid, next_index, epoch)."""
MAX_HEADS = 10_000
"""Sessions whose head a store remembers (a forgotten one costs one read at its next append)."""
AFTER = True
"""``return_document=True`` is pymongo's ``ReturnDocument.AFTER``. Only the post-image of a
findAndModify is atomic with its update on every server (SecantusDB 0.7 reads the pre-image
before it writes), so indexes are derived from the value after the increment."""
BATCH = 1000
"""Messages copied per round trip by fork and import."""
LEASE_S = 2.0
"""An unconfirmed message document younger than this may belong to an append in flight, so
an append that finds it in its way waits; an older one is a leftover and is removed. (Only
waiting depends on this: removing one that was in flight after all is safe, see
``_remove_leftovers``.)"""
ORPHAN_GRACE_S = 600
"""Leftover messages whose incarnation is younger than this are never swept: they may belong
to a fork or import still being written."""
RECORD_ID_FIELD = {SNAPSHOT: "snapshot_id", RUN: "run_id"}
SESSION_INDEXES = [
    {"key": {"created_us": -1, "u": -1, "s": -1}, "name": "newest_first"},
    {"key": {"u": 1, "created_us": -1, "s": -1}, "name": "user_newest_first"},
]
"""Besides ``_id`` (the session key) and the TTL index. Every index of ``sessions`` is
rewritten by some servers on each append, so there are only the ones listing needs."""
OTHER_INDEXES = {
    MESSAGES: [{"key": {"sid": 1, "i": 1}, "name": "position", "unique": True}],
    RECORDS: [{"key": {"sid": 1, "kind": 1, "rid": 1}, "name": "record_key", "unique": True}],
}
_INDEX_OPTIONS_CONFLICT = (85, 86)


def _find_one(collection: str, query: dict, projection: dict | None = None) -> Call:
    return Call(collection, "find_one", (query,), {"projection": projection})


def _find(collection: str, query: dict, **kwargs: Any) -> Call:
    return Call(collection, "find", (query,), kwargs)


def _delete_many(collection: str, query: dict) -> Call:
    return Call(collection, "delete_many", (query,), resend=True)


# --- setup --------------------------------------------------------------------------------


def setup(reap_after: int) -> Op:
    """Check the schema version, create the indexes; returns whether the server has the
    ``bulkWrite`` command (MongoDB 8.0, wire version 25, and newer)."""
    hello = yield Call(None, "command", ("hello",), resend=True)
    meta = yield _find_one(META, {"_id": "schema"})
    if meta is None:
        yield Call(
            META,
            "update_one",
            ({"_id": "schema"}, {"$setOnInsert": {"version": d.SCHEMA_VERSION}}),
            {"upsert": True},
        )
    elif meta.get("version", 0) > d.SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the database holds tether-mongodb schema version {meta['version']}; this "
            f"version of the plugin understands up to {d.SCHEMA_VERSION}. Upgrade tether-mongodb."
        )
    reap = {
        "key": {"expires_at": 1},
        "name": "reap",
        "expireAfterSeconds": reap_after,
        "sparse": True,
    }
    for collection, specs in ((SESSIONS, [*SESSION_INDEXES, reap]), *OTHER_INDEXES.items()):
        try:
            yield Call(None, "command", ({"createIndexes": collection, "indexes": specs},))
        except Exception as exc:
            if code_of(exc) not in _INDEX_OPTIONS_CONFLICT or collection != SESSIONS:
                raise
            yield Call(None, "command", ({"collMod": SESSIONS, "index": _ttl_change(reap)},))
    return int(hello.get("maxWireVersion", 0)) >= 25


def _ttl_change(spec: dict[str, Any]) -> dict[str, Any]:
    return {"name": spec["name"], "expireAfterSeconds": spec["expireAfterSeconds"]}


# --- helpers shared by the primitives -----------------------------------------------------


def _missing(key: SessionKey) -> Op:
    """Raise the right error for a session that is not live: expired or absent."""
    doc = yield _find_one(SESSIONS, d.key_filter(key), {"expires_us": 1})
    if doc is not None and doc["expires_us"] <= d.now_us():
        raise SessionExpiredError(f"session {key.session_id!r} has expired")
    raise SessionNotFoundError(f"no session {key.session_id!r} for user {key.user_id!r}")


def _live_doc(key: SessionKey, projection: dict[str, Any]) -> Op:
    doc = yield _find_one(SESSIONS, d.live(key), projection)
    if doc is None:
        yield from _missing(key)
    return doc


_BOUNDS = {"sid": 1, "low": 1, "next_index": 1, "count": 1, "epoch": 1}


def _install(doc: dict[str, Any], replace: bool) -> Op:
    """Insert session document ``doc``. An expired session with the same key (or, with
    ``replace``, any) is replaced and its data deleted. Returns None once ``doc`` is in,
    else the live session that is in the way."""
    for _ in range(10):
        try:
            yield Call(SESSIONS, "insert_one", (doc,))
            return None
        except Exception as exc:
            if not is_duplicate(exc):
                raise
        old = yield _find_one(SESSIONS, {"_id": doc["_id"]})
        if old is None:
            continue
        if old["expires_us"] > d.now_us() and not replace:
            return old
        done = yield Call(SESSIONS, "replace_one", (d.incarnation(old), doc))
        if done.matched_count:
            yield from _drop_data([old["sid"]])
            return None
    raise Retry


def _drop_data(sids: list[Any]) -> Op:
    yield _delete_many(MESSAGES, {"sid": {"$in": sids}})
    yield _delete_many(RECORDS, {"sid": {"$in": sids}})


def _messages(docs: list[dict[str, Any]]) -> list[Message]:
    return [load_message(doc["body"], doc["i"]) for doc in docs]


def _window_read(sid: Any, lo: int, hi: int, limit: int, from_end: bool, projection: dict) -> Op:
    """Up to ``limit`` messages of ``[lo, hi)``, from the chosen end, oldest first.

    Each round trip reads one bounded index range, so the cost is O(limit) however long the
    history (an index walk with sort and limit is not pushed down by every server). The range
    starts ``limit`` wide and doubles only where clears or failed writes left gaps."""
    found: list[dict[str, Any]] = []
    width = limit
    while len(found) < limit and lo < hi:
        a, b = (max(lo, hi - width), hi) if from_end else (lo, min(hi, lo + width))
        docs = yield _find(
            MESSAGES,
            d.index_range(sid, a, b),
            projection=projection,
            sort=[("i", -1 if from_end else 1)],
            limit=limit - len(found),
        )
        found.extend(docs)
        hi, lo = (a, lo) if from_end else (hi, b)
        width *= 2
    found.sort(key=lambda doc: doc["i"])
    return found


def _copy_messages(source: Any, lo: int, hi: int, target: Any) -> Op:
    """Copy messages ``[lo, hi)`` of incarnation ``source`` to ``target``; returns how many."""
    copied = 0
    for start in range(lo, hi, BATCH):
        docs = yield _find(
            MESSAGES,
            d.index_range(source, start, min(hi, start + BATCH)),
            projection={"_id": 0, "i": 1, "body": 1},
            sort=[("i", 1)],
        )
        if docs:
            copies = [d.message_doc(target, doc["i"], doc["body"]) for doc in docs]
            yield Call(MESSAGES, "insert_many", (copies,))
            copied += len(copies)
    return copied


def _insert_batches(docs: list[dict[str, Any]], collection: str) -> Op:
    for start in range(0, len(docs), BATCH):
        yield Call(collection, "insert_many", (docs[start : start + BATCH],))


# --- sessions -----------------------------------------------------------------------------


def create_session(info: SessionInfo, exist_ok: bool) -> Op:
    doc = d.session_doc(info, sid=ObjectId(), state={}, count=0, low=0)
    existing = yield from _install(doc, replace=False)
    if existing is None:
        return d.info_of(doc)
    if exist_ok:
        return d.info_of(existing)
    raise SessionExistsError(f"session {info.session_id!r} already exists")


def get_session(key: SessionKey) -> Op:
    doc = yield _find_one(SESSIONS, d.live(key), NO_STATE)
    return None if doc is None else d.info_of(doc)


def list_sessions(user_id: str | None, limit: int, after: tuple[datetime, str, str] | None) -> Op:
    query: dict[str, Any] = {"expires_us": {"$gt": d.now_us()}}
    if user_id is not None:
        query["u"] = user_id
    if after is not None:
        created, u, s = d.to_us(after[0]), after[1], after[2]
        query["$or"] = [
            {"created_us": {"$lt": created}},
            {"created_us": created, "u": {"$lt": u}},
            {"created_us": created, "u": u, "s": {"$lt": s}},
        ]
    order = [("created_us", -1), ("u", -1), ("s", -1)]
    docs = yield _find(SESSIONS, query, projection=NO_STATE, sort=order, limit=limit)
    return [d.info_of(doc) for doc in docs]


def update_session(key: SessionKey, changes: dict[str, Any]) -> Op:
    doc = yield Call(
        SESSIONS,
        "find_one_and_update",
        (d.live(key), d.session_changes(changes)),
        {"projection": NO_STATE, "return_document": AFTER},
    )
    if doc is None:
        yield from _missing(key)
    return d.info_of(doc)


def delete_session(key: SessionKey) -> Op:
    doc = yield _find_one(SESSIONS, d.key_filter(key), {"sid": 1})
    if doc is None:
        return False
    done = yield Call(SESSIONS, "delete_one", (d.incarnation(doc),))
    if not done.deleted_count:
        raise Retry
    yield from _drop_data([doc["sid"]])
    return True


# --- messages -----------------------------------------------------------------------------


def append_messages(
    key: SessionKey, messages: list[Message], heads: dict[SessionKey, Head], bulk: bool
) -> Op:
    """Insert the messages at the indexes the session should give them next, then move the
    session's ``next_index`` past them if it is still where it was (compare-and-set).

    ``heads`` remembers each session's ``(sid, next_index, epoch)``, so an append by the only
    writer of a session is a single ``bulkWrite`` round trip (two calls without ``bulk``).
    When the guess is wrong (another writer, a clear, a rewind, an expiry) the insert hits
    the unique ``(sid, i)`` index or the update matches nothing; the append then removes
    whatever of its own went in, looks at the session again and tries again.
    """
    bodies = [d.message_body(m) for m in messages]
    n = len(bodies)
    ids = [ObjectId() for _ in bodies]
    head = heads.get(key) or (yield from _head(key, heads))
    for _ in range(10):
        sid, first, epoch = head
        docs = [d.message_doc(sid, first + j, body, ids[j]) for j, body in enumerate(bodies)]
        guard = {**d.live(key), "sid": sid, "next_index": first, "epoch": epoch}
        update = {"$inc": {"next_index": n, "count": n}, "$set": {"updated_us": d.now_us()}}
        done = yield from _insert_then_update(docs, guard, update, bulk)
        retry_with = None if done else (yield from _recover(key, heads, head, ids, guard, update))
        if retry_with is None:
            _remember(heads, key, (sid, first + n, epoch))
            for j, message in enumerate(messages):
                message.index = first + j
            return messages
        head = retry_with
    raise Retry


def _head(key: SessionKey, heads: dict[SessionKey, Head]) -> Op:
    doc = yield from _live_doc(key, {"sid": 1, "next_index": 1, "epoch": 1})
    return _remember(heads, key, (doc["sid"], doc["next_index"], doc["epoch"]))


def _remember(heads: dict[SessionKey, Head], key: SessionKey, head: Head) -> Head:
    """Keep ``head`` for the next append; the oldest entries go beyond ``MAX_HEADS``."""
    heads.pop(key, None)
    heads[key] = head
    while len(heads) > MAX_HEADS:
        heads.pop(next(iter(heads)), None)
    return head


def _insert_then_update(docs: list[dict], guard: dict, update: dict, bulk: bool) -> Op:
    """True if the messages went in and the session matched ``guard``."""
    try:
        if bulk:
            return bool((yield Append(docs, guard, update)).matched_count)
        yield Call(MESSAGES, "insert_many", (docs,), {"ordered": True})
    except Exception as exc:
        if not is_duplicate(exc):
            raise
        return False
    return bool((yield Call(SESSIONS, "update_one", (guard, update))).matched_count)


def _recover(
    key: SessionKey, heads: dict[SessionKey, Head], head: Head, ids: list, guard: dict, update: dict
) -> Op:
    """After a failed attempt: None if the append took effect after all (the driver resent a
    write whose first sending had gone through), else the head to try next.

    The append's own documents are deleted unless they are committed. They are committed
    iff the compare-and-set applied, and only then can one of them be visible; while
    ``epoch`` is unchanged, that is exactly when ``next_index`` moved past ``first`` with the
    append's document at ``first`` (nobody else can insert there while it is). Raises the
    session's error if it is gone, and ``Retry`` (so the store waits a moment) while another
    append's messages are in the way."""
    sid, first, epoch = head
    n = len(ids)
    heads.pop(key, None)
    taken = yield _find(
        MESSAGES, d.index_range(sid, first, first + n), projection={"_id": 1, "i": 1}
    )
    mine = {t["_id"]: t["i"] for t in taken if t["_id"] in ids}
    doc = yield _find_one(SESSIONS, d.live(key), {"sid": 1, "next_index": 1, "epoch": 1, "low": 1})
    if doc is not None and doc["sid"] == sid:
        low, end = doc["low"], doc["next_index"]
        if doc["epoch"] == epoch:
            if first in mine.values() and end > first:
                return None
            if len(mine) == n and end == first:
                done = yield Call(SESSIONS, "update_one", (guard, update))
                if done.matched_count:
                    return None
        elif any(low <= i < end for i in mine.values()):
            return None  # committed, then partly hidden by a clear, trim or rewind
    if mine:
        yield _delete_many(MESSAGES, {"_id": {"$in": list(mine)}})
    if doc is None:
        yield from _missing(key)
    fresh = _remember(heads, key, (doc["sid"], doc["next_index"], doc["epoch"]))
    if doc["sid"] != sid:
        return fresh
    in_the_way = [t for t in taken if t["_id"] not in mine and t["i"] >= doc["next_index"]]
    if in_the_way:
        youngest = min(_age(t["_id"]) for t in in_the_way)
        if youngest < LEASE_S:
            raise Retry(min(0.05, LEASE_S - youngest + 0.01))
        if (yield from _remove_leftovers(doc)):
            fresh = _remember(heads, key, (sid, doc["next_index"], doc["epoch"] + 1))
    return fresh


def _age(object_id: ObjectId) -> float:
    return d.now_us() / 1e6 - object_id.generation_time.timestamp()


def _remove_leftovers(doc: dict[str, Any]) -> Op:
    """Delete message documents at or above ``next_index``: writes that never completed.

    They are listed first, then ``epoch`` is bumped (so an append that inserted one of them
    but has not moved ``next_index`` yet can no longer do so: it fails and retries), and only
    the listed documents are deleted. Returns False if the session changed meanwhile."""
    sid, next_index, epoch = doc["sid"], doc["next_index"], doc["epoch"]
    stale = yield _find(MESSAGES, {"sid": sid, "i": {"$gte": next_index}}, projection={"_id": 1})
    fence = {"_id": doc["_id"], "sid": sid, "next_index": next_index, "epoch": epoch}
    done = yield Call(SESSIONS, "update_one", (fence, {"$inc": {"epoch": 1}}))
    if done.matched_count:
        yield from _delete_ids(stale)
    return bool(done.matched_count)


def read_messages(
    key: SessionKey, *, after: int | None, before: int | None, limit: int | None, from_end: bool
) -> Op:
    doc = yield from _live_doc(key, {"sid": 1, "low": 1, "next_index": 1})
    lo = doc["low"] if after is None else max(doc["low"], after + 1)
    hi = doc["next_index"] if before is None else min(doc["next_index"], before)
    projection = {"_id": 0, "i": 1, "body": 1}
    if limit is None:
        docs = yield _find(
            MESSAGES, d.index_range(doc["sid"], lo, hi), projection=projection, sort=[("i", 1)]
        )
        return _messages(docs)
    docs = yield from _window_read(doc["sid"], lo, hi, limit, from_end, projection)
    return _messages(docs)


def count_messages(key: SessionKey) -> Op:
    doc = yield from _live_doc(key, {"count": 1})
    return doc["count"]


def clear_messages(key: SessionKey) -> Op:
    doc = yield from _live_doc(key, _BOUNDS)
    return (yield from _hide_below(doc, doc["next_index"], doc["count"]))


def trim_messages(key: SessionKey, keep_last: int) -> Op:
    doc = yield from _live_doc(key, _BOUNDS)
    if doc["count"] <= keep_last:
        return 0
    boundary = doc["next_index"]
    if keep_last:
        newest = yield from _window_read(
            doc["sid"], doc["low"], doc["next_index"], keep_last, True, {"_id": 0, "i": 1}
        )
        if not newest:
            return 0
        boundary = newest[0]["i"]
    return (yield from _hide_below(doc, boundary, doc["count"] - keep_last))


def _hide_below(doc: dict[str, Any], boundary: int, hidden: int) -> Op:
    """Hide messages below ``boundary`` (``hidden`` of them are visible now), then delete
    them. The compare-and-set on ``epoch`` fails if a clear, trim or rewind came first; the
    documents to delete are listed before it, so a message appended later (even at an index
    below ``boundary``, after a rewind) is never caught."""
    doomed = yield _find(
        MESSAGES, d.index_range(doc["sid"], doc["low"], boundary), projection={"_id": 1}
    )
    done = yield Call(
        SESSIONS,
        "update_one",
        (
            d.incarnation(doc, epoch=doc["epoch"]),
            {"$set": {"low": boundary}, "$inc": {"count": -hidden, "epoch": 1}},
        ),
    )
    if not done.matched_count:
        raise Retry
    yield from _delete_ids(doomed)
    return hidden


def _delete_ids(docs: list[dict[str, Any]]) -> Op:
    for start in range(0, len(docs), BATCH):
        ids = [doc["_id"] for doc in docs[start : start + BATCH]]
        yield _delete_many(MESSAGES, {"_id": {"$in": ids}})


# --- state --------------------------------------------------------------------------------


def load_state(key: SessionKey) -> Op:
    doc = yield from _live_doc(key, {"state": 1})
    return d.decode_state(doc.get("state"))


def _set(key: SessionKey, changes: dict[str, Any]) -> Op:
    done = yield Call(SESSIONS, "update_one", (d.live(key), {"$set": changes}))
    if not done.matched_count:
        yield from _missing(key)


def save_state(key: SessionKey, state: dict[str, Any]) -> Op:
    yield from _set(key, {"state": d.encode_state(state)})


def set_state_value(key: SessionKey, name: str, value: Any) -> Op:
    yield from _set(key, {d.state_field(name): d.encode_value(value)})


def increment_state(key: SessionKey, name: str, amount: int | float) -> Op:
    path = d.state_field(name)
    try:
        doc = yield Call(
            SESSIONS,
            "find_one_and_update",
            (d.live(key), {"$inc": {path: amount}}),
            {"projection": {path: 1}, "return_document": AFTER},
        )
    except Exception as exc:
        if code_of(exc) != TYPE_MISMATCH:
            raise
        raise InvalidInputError(f"state[{name!r}] is not a number") from None
    if doc is None:
        yield from _missing(key)
    return d.decode_value(doc["state"][d.escape_key(name)])


# --- records ------------------------------------------------------------------------------


def put_record(key: SessionKey, kind: str, record_id: str, data: dict[str, Any]) -> Op:
    doc = yield from _live_doc(key, {"sid": 1})
    match = {"sid": doc["sid"], "kind": kind, "rid": record_id}
    update = {"$set": {"data": dumps(data)}, "$setOnInsert": {"seq": d.now_us()}}
    yield Call(RECORDS, "update_one", (match, update), {"upsert": True})


def get_record(key: SessionKey, kind: str, record_id: str) -> Op:
    doc = yield from _live_doc(key, {"sid": 1})
    record = yield _find_one(RECORDS, {"sid": doc["sid"], "kind": kind, "rid": record_id})
    return None if record is None else json.loads(record["data"])


def list_records(key: SessionKey, kind: str) -> Op:
    doc = yield from _live_doc(key, {"sid": 1})
    records = yield _find(RECORDS, {"sid": doc["sid"], "kind": kind}, sort=[("seq", 1), ("rid", 1)])
    return [json.loads(r["data"]) for r in records]


def delete_records(key: SessionKey, kind: str, record_ids: list[str]) -> Op:
    doc = yield from _live_doc(key, {"sid": 1})
    yield _delete_many(RECORDS, {"sid": doc["sid"], "kind": kind, "rid": {"$in": record_ids}})


# --- hierarchy ----------------------------------------------------------------------------


def rewind(key: SessionKey, position: int, state: dict[str, Any] | None) -> Op:
    doc = yield from _live_doc(key, _BOUNDS)
    end = doc["next_index"]
    doomed = yield _find(
        MESSAGES, d.index_range(doc["sid"], position, end), projection={"_id": 1, "i": 1}
    )
    visible = sum(1 for m in doomed if m["i"] >= doc["low"])
    changes: dict[str, Any] = {"next_index": position, "low": min(doc["low"], position)}
    if state is not None:
        changes["state"] = d.encode_state(state)
    done = yield Call(
        SESSIONS,
        "update_one",
        (
            d.incarnation(doc, epoch=doc["epoch"], next_index=end),
            {"$set": changes, "$inc": {"count": -visible, "epoch": 1}},
        ),
    )
    if not done.matched_count:
        raise Retry
    yield from _delete_ids(doomed)


def fork(source: SessionKey, info: SessionInfo, state: dict[str, Any]) -> Op:
    parent = yield from _live_doc(source, {"sid": 1, "low": 1})
    sid = ObjectId()
    at = int(info.fork_index or 0)
    copied = yield from _copy_messages(parent["sid"], parent["low"], at, sid)
    low = min(parent["low"], at)
    doc = d.session_doc(info, sid=sid, state=state, count=copied, low=low)
    if (yield from _install(doc, replace=False)) is not None:
        yield from _drop_data([sid])
        raise SessionExistsError(f"session {info.session_id!r} already exists")
    return d.info_of(doc)


def import_session(data: SessionExport, replace: bool) -> Op:
    sid = ObjectId()
    messages = [d.message_doc(sid, m.index, dump_message(m)) for m in data.messages]
    yield from _insert_batches(messages, MESSAGES)
    base = d.now_us()
    records = [
        d.record_doc(sid, kind, _record_id(kind, row, n), row, base + n)
        for kind, rows in data.records.items()
        for n, row in enumerate(rows)
    ]
    yield from _insert_batches(records, RECORDS)
    info = data.info
    low = messages[0]["i"] if messages else info.next_index
    doc = d.session_doc(info, sid=sid, state=data.state, count=len(messages), low=low)
    if (yield from _install(doc, replace=replace)) is not None:
        yield from _drop_data([sid])
        raise SessionExistsError(f"session {info.session_id!r} already exists")
    return d.info_of(doc)


def _record_id(kind: str, row: dict[str, Any], n: int) -> str:
    return str(row.get(RECORD_ID_FIELD.get(kind, ""), "") or n)


# --- lifecycle ----------------------------------------------------------------------------


def purge_expired() -> Op:
    """Delete expired sessions with their data, then sweep the data of sessions the
    server's TTL monitor reaped; each counts as one purged session."""
    now = d.now_us()
    gone = {"expires_at": {"$lte": d.from_us(now)}}
    expired = yield _find(SESSIONS, gone, projection={"sid": 1})
    purged = (yield _delete_many(SESSIONS, gone)).deleted_count
    for start in range(0, len(expired), BATCH):
        yield from _drop_data([doc["sid"] for doc in expired[start : start + BATCH]])
    live = set((yield Call(SESSIONS, "distinct", ("sid",), resend=True)))
    orphans: set[Any] = set()
    for collection in (MESSAGES, RECORDS):
        for sid in (yield Call(collection, "distinct", ("sid",), resend=True)):
            if sid not in live and now / 1e6 - sid.generation_time.timestamp() > ORPHAN_GRACE_S:
                orphans.add(sid)
    if orphans:
        yield from _drop_data(sorted(orphans))
    return purged + len(orphans)


PRIMITIVES = {name: globals()[name.lstrip("_")] for name in PRIMITIVE_NAMES}
"""Every primitive of the store contract (by its ``SessionStore`` method name) -> the
operation of the same name here."""
