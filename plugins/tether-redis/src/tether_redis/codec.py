"""Conversions between tether's models and what the scripts store and return."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from tether.codec import dump_message, dumps, load_message
from tether.errors import CorruptDataError
from tether.models import Message, SessionInfo

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
INFO_FIELDS = tuple(name for name in SessionInfo.model_fields if name != "message_count")
"""SessionInfo fields kept in the meta hash (the message count is the list's length)."""
_INFO_NAMES = [name.encode() for name in INFO_FIELDS]


def micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (the listing indexes' score)."""
    return (moment - EPOCH) // _MICROSECOND


def expiry_ms(moment: datetime | None) -> str:
    """The PEXPIREAT argument for ``moment`` ('' for none), rounded down to the millisecond:
    a session expires at its ``expires_at`` or up to 1 ms before, never after (so
    ``ttl=0`` is expired at once)."""
    if moment is None:
        return ""
    return str(micros(moment) // 1000)


def timestamp(moment: datetime) -> str:
    """A datetime as the JSON the meta hash holds (ISO 8601, as SessionInfo reads it)."""
    return f'"{moment.isoformat()}"'


def info_pairs(info: SessionInfo | Mapping[str, Any]) -> list[str]:
    """Field/value arguments for the meta hash: each field as JSON, plus ``_exp``."""
    data = info.model_dump(mode="json") if isinstance(info, SessionInfo) else info
    pairs: list[str] = []
    for name in INFO_FIELDS:
        if name in data:
            pairs += [name, dumps(data[name])]
    return pairs


def change_pairs(changes: Mapping[str, Any]) -> list[str]:
    """Field/value arguments for ``_update_session`` changes (SessionInfo fields)."""
    return info_pairs({name: to_jsonable_python(value) for name, value in changes.items()})


def load_info(values: list[bytes | None], message_count: int) -> SessionInfo:
    """Rebuild a SessionInfo from the meta hash's values in :data:`INFO_FIELDS` order. They
    are JSON texts, so they are joined into one object and parsed in one go."""
    members = [
        b'"%s":%s' % (name, value)
        for name, value in zip(_INFO_NAMES, values, strict=True)
        if value is not None
    ]
    members.append(b'"message_count":%d' % message_count)
    try:
        return SessionInfo.model_validate_json(b"{" + b",".join(members) + b"}")
    except ValidationError as exc:
        raise CorruptDataError(f"stored session info is not valid: {exc}") from exc


def element(message: Message) -> str:
    """A message as stored in the list: ``<index>|<JSON>``."""
    return f"{message.index}|{dump_message(message)}"


def load_elements(elements: Iterable[bytes]) -> list[Message]:
    """Messages from list elements, with their indexes."""
    out = []
    for raw in elements:
        index, _, body = raw.partition(b"|")
        try:
            position = int(index)
        except ValueError as exc:
            raise CorruptDataError(f"stored message has no index: {raw[:40]!r}") from exc
        out.append(load_message(body, position))
    return out


def state_pairs(state: Mapping[str, Any]) -> list[str]:
    """Field/value arguments for the state hash (values as JSON)."""
    pairs: list[str] = []
    for name, value in state.items():
        pairs += [name, dumps(value)]
    return pairs


def load_json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise CorruptDataError(f"stored {what} is not valid JSON: {raw[:40]!r}") from exc


def load_state(flat: list[bytes]) -> dict[str, Any]:
    """The state dict from the state hash's flat field/value list."""
    return {flat[i].decode(): load_json(flat[i + 1], "state value") for i in range(0, len(flat), 2)}
