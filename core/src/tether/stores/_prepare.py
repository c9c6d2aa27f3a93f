"""Argument checks and small steps shared by the sync and async store bases.

Every public store method validates here before a backend sees anything, so bad input is
rejected the same way by every backend and never reaches storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pydantic import ValidationError

from tether.codec import check_json, decode_cursor, encode_cursor
from tether.errors import InvalidInputError, InvalidMessageError, SessionNotFoundError
from tether.ids import new_session_id, validate_id, validate_user_id
from tether.models import Message, Page, SessionExport, SessionInfo, Snapshot, utcnow

MAX_PAGE = 10_000
SNAPSHOT = "snapshot"
RUN = "run"
RECORD_KINDS = (SNAPSHOT, RUN)
UNSET: Any = object()


class SessionKey(NamedTuple):
    """The identity of a session: the same ``session_id`` under two users is two sessions."""

    user_id: str
    session_id: str


def key(session_id: object, user_id: object) -> SessionKey:
    return SessionKey(validate_user_id(user_id), validate_id(session_id))


def ttl_deadline(ttl: object, now: datetime) -> datetime | None:
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise InvalidInputError(f"ttl must be a number of seconds, not {type(ttl).__name__}")
    if ttl < 0:
        raise InvalidInputError(f"ttl must not be negative (got {ttl})")
    return now + timedelta(seconds=ttl)


def new_session_info(
    session_id: str | None,
    user_id: str,
    *,
    title: str | None,
    agent_name: str | None,
    metadata: Mapping[str, Any] | None,
    ttl: float | None,
) -> SessionInfo:
    k = key(session_id if session_id is not None else new_session_id(), user_id)
    metadata = dict(check_json(dict(metadata or {}), "metadata"))
    now = utcnow()
    return SessionInfo(
        session_id=k.session_id,
        user_id=k.user_id,
        title=optional_str(title, "title"),
        agent_name=optional_str(agent_name, "agent_name"),
        created_at=now,
        updated_at=now,
        expires_at=ttl_deadline(ttl, now),
        metadata=metadata,
    )


def session_changes(title: Any, metadata: Any, ttl: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {"updated_at": utcnow()}
    if title is not UNSET:
        changes["title"] = optional_str(title, "title")
    if metadata is not UNSET:
        changes["metadata"] = dict(check_json(dict(metadata or {}), "metadata"))
    if ttl is not UNSET:
        changes["expires_at"] = ttl_deadline(ttl, changes["updated_at"])
    return changes


def optional_str(value: object, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidInputError(f"{what} must be a string, not {type(value).__name__}")
    return value


def limit(value: object, what: str = "limit", *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{what} must be a non-negative integer, not {value!r}")
    return min(value, MAX_PAGE) if what == "limit" else value


def messages(items: Iterable[Message | Mapping[str, Any]]) -> list[Message]:
    """Copy and validate messages; the caller's objects are never modified (a shallow copy
    suffices: backends serialise the copy, and the memory store deep-copies what it keeps)."""
    if isinstance(items, (str, bytes, Mapping, Message)):
        raise InvalidMessageError("append_messages takes a list of messages")
    out = []
    for item in items:
        if isinstance(item, Message):
            message = item.model_copy()
        elif isinstance(item, Mapping):
            for field_name in ("metadata", "tool_calls", "content"):
                check_json(item.get(field_name), f"message {field_name}")
            try:
                message = Message.model_validate(dict(item))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "message"
                raise InvalidMessageError(f"invalid message: {where}: {first['msg']}") from exc
        else:
            raise InvalidMessageError(
                f"a message must be a Message or a dict, not {type(item).__name__}"
            )
        check_json(message.metadata, "message metadata")
        check_json(message.tool_calls, "message tool_calls")
        check_json(message.content, "message content")
        message.index = None
        out.append(message)
    return out


def index_cursor(value: object, what: str) -> int | None:
    """A message cursor is an index, given as an int or as the string a page returned."""
    if value is None:
        return None
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{what} must be a message index or a page cursor, not {value!r}")
    return value


def message_page(items: list[Message], want: int, backwards: bool) -> Page[Message]:
    """Build a page from ``want + 1`` fetched items (the extra one says more exist)."""
    more = len(items) > want
    if backwards:
        items = items[-want:] if want else []
        cursor = str(items[0].index) if more and items else None
    else:
        items = items[:want]
        cursor = str(items[-1].index) if more and items else None
    return Page[Message](items=items, next_cursor=cursor)


def session_cursor(cursor: str | None) -> tuple[datetime, str, str] | None:
    if cursor is None:
        return None
    created, user_id, session_id = decode_cursor(cursor, 3)
    try:
        return datetime.fromisoformat(created), str(user_id), str(session_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"malformed cursor {cursor!r}") from exc


def session_page(items: list[SessionInfo], want: int) -> Page[SessionInfo]:
    more = len(items) > want
    items = items[:want]
    cursor = None
    if more and items:
        last = items[-1]
        cursor = encode_cursor(last.created_at, last.user_id, last.session_id)
    return Page[SessionInfo](items=items, next_cursor=cursor)


def state_key(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"a state key must be a non-empty string, not {value!r}")
    return value


def amount(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"increment must be a number, not {type(value).__name__}")
    return check_json(value, "increment")


def require(info: SessionInfo | None, k: SessionKey) -> SessionInfo:
    if info is None:
        raise SessionNotFoundError(f"no session {k.session_id!r} for user {k.user_id!r}")
    return info


def snapshot(info: SessionInfo, state: dict[str, Any], label: object) -> Snapshot:
    return Snapshot(
        session_id=info.session_id,
        label=optional_str(label, "label"),
        position=info.next_index,
        state=state,
    )


def fork_info(
    source: SessionInfo, session_id: str | None, position: int, title: object
) -> SessionInfo:
    now = utcnow()
    return SessionInfo(
        session_id=validate_id(session_id if session_id is not None else new_session_id()),
        user_id=source.user_id,
        agent_name=source.agent_name,
        title=optional_str(title, "title") or source.title,
        parent_id=source.session_id,
        fork_index=position,
        created_at=now,
        updated_at=now,
        expires_at=source.expires_at,
        next_index=position,
        metadata=dict(source.metadata),
    )


def fork_position(source: SessionInfo, position: object) -> int:
    if position is None:
        return source.next_index
    if isinstance(position, bool) or not isinstance(position, int):
        raise InvalidInputError(f"fork position must be an integer, not {position!r}")
    if not 0 <= position <= source.next_index:
        raise InvalidInputError(
            f"fork position {position} is outside the session's history (0..{source.next_index})"
        )
    return position


def rewind_position(info: SessionInfo, position: object) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise InvalidInputError(f"position must be a non-negative integer, not {position!r}")
    if position > info.next_index:
        raise InvalidInputError(
            f"position {position} is ahead of the session's history (next index "
            f"{info.next_index}); the messages after it no longer exist"
        )
    return position


def export(data: object) -> SessionExport:
    """Validate an export (a SessionExport or its dict form) before importing it."""
    try:
        if isinstance(data, SessionExport):
            export = data.model_copy(deep=True)
        else:
            export = SessionExport.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(f"invalid session export: {exc.errors()[0]['msg']}") from exc
    key(export.info.session_id, export.info.user_id)
    check_json(export.info.metadata, "metadata")
    check_json(export.state, "state")
    indexes = [m.index for m in export.messages]
    if any(i is None for i in indexes) or indexes != sorted(set(indexes)):
        raise InvalidInputError("exported messages need distinct, increasing indexes")
    if indexes and indexes[-1] >= export.info.next_index:
        export.info.next_index = indexes[-1] + 1
    export.info.message_count = len(indexes)
    return export
