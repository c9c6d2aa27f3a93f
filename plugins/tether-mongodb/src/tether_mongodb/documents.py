"""The document layout: what a session, a message and a record look like in MongoDB.

``sessions`` holds one document per session whose ``_id`` is ``{u, s}`` (user id, session
id): the primary key makes the pair unique and every lookup a point lookup. Its ``sid`` is
an ObjectId naming this *incarnation* of the session: messages and records point at ``sid``,
so a deleted, expired or replaced session's leftovers can never show up in a new session with
the same ids. A session's visible messages are those with ``low <= i < next_index``;
``count`` counts them and ``epoch`` changes whenever messages are hidden (clear, trim,
rewind), which lets those operations update the document with a compare-and-set.

Timestamps are stored as exact integer microseconds since the epoch (BSON dates only keep
milliseconds); ``expires_at`` is also stored as a BSON date for the server's TTL index.
User ids and session ids are only ever used as values in equality filters. Message bodies,
metadata and records are JSON text, so keys such as ``$gt`` or ``a.b`` are stored literally.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from tether.codec import dump_message, dumps
from tether.errors import InvalidInputError
from tether.models import Message, SessionInfo
from tether.stores._prepare import SessionKey

SCHEMA_VERSION = 1
SESSIONS, MESSAGES, RECORDS, META = "sessions", "messages", "records", "tether_meta"
NEVER = 2**62
"""``expires_us`` of a session without a TTL, so "live" is one range condition."""
MAX_BODY_BYTES = 16 * 1024 * 1024 - 16 * 1024
"""A message document must fit MongoDB's 16 MB limit, with room for its other fields."""
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_INT64 = range(-(2**63), 2**63)
_ESCAPED = re.compile(r"[%.$\x00]")
_ESCAPE = re.compile(r"%([0-9A-F]{2})")
NO_STATE = {"state": 0}
"""Projection for reads that do not need the (possibly large) state."""


# --- time ---------------------------------------------------------------------------------


def to_us(moment: datetime) -> int:
    """Exact microseconds since the epoch (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_us(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def now_us() -> int:
    return to_us(datetime.now(timezone.utc))


def expiry_fields(expires_at: datetime | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``($set, $unset)`` parts for a session's expiry. The TTL date is rounded up to the
    millisecond so the server never reaps a session before it has expired."""
    if expires_at is None:
        return {"expires_us": NEVER}, {"expires_at": ""}
    micros = to_us(expires_at)
    reap = from_us(-(-micros // 1000) * 1000)
    return {"expires_us": micros, "expires_at": reap}, {}


# --- filters ------------------------------------------------------------------------------


def session_id_of(key: SessionKey) -> dict[str, str]:
    """The ``_id`` of a session document: the key itself, so the primary key enforces
    uniqueness and every lookup is a point lookup. Ids are values, never operators."""
    return {"u": key.user_id, "s": key.session_id}


def key_filter(key: SessionKey) -> dict[str, Any]:
    """The session's document, expired or not."""
    return {"_id": session_id_of(key)}


def live(key: SessionKey) -> dict[str, Any]:
    """The session's document if it has not expired."""
    return {"_id": session_id_of(key), "expires_us": {"$gt": now_us()}}


def incarnation(doc: dict[str, Any], **more: Any) -> dict[str, Any]:
    """This incarnation of the session document (not a replacement created since: a
    replacement keeps ``_id`` but gets a new ``sid``), plus ``more``. ``_id`` comes first
    so servers that plan on the first indexed clause do a primary-key lookup."""
    return {"_id": doc["_id"], "sid": doc["sid"], **more}


def index_range(sid: Any, lo: int, hi: int) -> dict[str, Any]:
    """Messages of incarnation ``sid`` with ``lo <= i < hi`` (an index range scan)."""
    return {"sid": sid, "i": {"$gte": lo, "$lt": hi}}


# --- sessions -----------------------------------------------------------------------------


def session_doc(
    info: SessionInfo, *, sid: Any, state: dict[str, Any], count: int, low: int
) -> dict[str, Any]:
    expiry, _ = expiry_fields(info.expires_at)
    return {
        "_id": session_id_of(SessionKey(info.user_id, info.session_id)),
        "u": info.user_id,
        "s": info.session_id,
        "sid": sid,
        "agent_name": info.agent_name,
        "title": info.title,
        "parent_id": info.parent_id,
        "fork_index": info.fork_index,
        "created_us": to_us(info.created_at),
        "updated_us": to_us(info.updated_at),
        **expiry,
        "next_index": info.next_index,
        "low": low,
        "count": count,
        "epoch": 0,
        "metadata": dumps(info.metadata),
        "state": encode_state(state),
    }


def info_of(doc: dict[str, Any]) -> SessionInfo:
    expires = doc["expires_us"]
    return SessionInfo(
        session_id=doc["s"],
        user_id=doc["u"],
        agent_name=doc.get("agent_name"),
        title=doc.get("title"),
        parent_id=doc.get("parent_id"),
        fork_index=doc.get("fork_index"),
        created_at=from_us(doc["created_us"]),
        updated_at=from_us(doc["updated_us"]),
        expires_at=None if expires >= NEVER else from_us(expires),
        message_count=doc["count"],
        next_index=doc["next_index"],
        metadata=json.loads(doc["metadata"]),
    )


def session_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The update document for ``_update_session`` changes."""
    sets: dict[str, Any] = {}
    unsets: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "updated_at":
            sets["updated_us"] = to_us(value)
        elif name == "expires_at":
            expiry, unsets = expiry_fields(value)
            sets.update(expiry)
        elif name == "metadata":
            sets["metadata"] = dumps(value)
        else:
            sets[name] = value
    return {"$set": sets, **({"$unset": unsets} if unsets else {})}


# --- state --------------------------------------------------------------------------------
# State is a sub-document so one key can be set with $set and incremented with $inc in the
# server. Keys are escaped (% . $ NUL) so any string is one literal field name; numbers are
# stored as BSON numbers (so $inc works on them), every other value as JSON text.


def escape_key(name: str) -> str:
    """``name`` as a field name that never splits on ``.`` or reads as a ``$`` operator."""
    return _ESCAPED.sub(lambda m: f"%{ord(m.group()):02X}", name)


def state_field(name: str) -> str:
    """The dotted path of state key ``name``."""
    return "state." + escape_key(name)


def encode_state(state: dict[str, Any]) -> dict[str, Any]:
    return {escape_key(k): encode_value(v) for k, v in state.items()}


def decode_state(stored: dict[str, Any] | None) -> dict[str, Any]:
    return {
        _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), k): decode_value(v)
        for k, v in (stored or {}).items()
    }


def encode_value(value: Any) -> Any:
    if isinstance(value, float) or (
        isinstance(value, int) and not isinstance(value, bool) and value in _INT64
    ):
        return value
    return dumps(value)


def decode_value(stored: Any) -> Any:
    if isinstance(stored, str):
        return json.loads(stored)
    return int(stored) if isinstance(stored, int) else stored


# --- messages and records -----------------------------------------------------------------


def message_body(message: Message) -> str:
    """The JSON text stored for a message; refuses one too large for a document."""
    body = dump_message(message)
    if len(body) * 4 > MAX_BODY_BYTES and len(body.encode()) > MAX_BODY_BYTES:
        raise InvalidInputError(
            f"a message of {len(body.encode())} bytes does not fit MongoDB's 16 MB document limit"
        )
    return body


def message_doc(sid: Any, index: int, body: str, doc_id: Any = None) -> dict[str, Any]:
    doc = {"sid": sid, "i": index, "body": body}
    return doc if doc_id is None else {"_id": doc_id, **doc}


def record_doc(sid: Any, kind: str, record_id: str, data: dict[str, Any], seq: int) -> dict:
    return {"sid": sid, "kind": kind, "rid": record_id, "seq": seq, "data": dumps(data)}
