"""JSON encoding shared by all backends: messages, JSON values and list cursors.

Backends store a message as the text :func:`dump_message` returns (plus whatever columns
they index), so every backend round-trips every field the same way. Never pickle.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from tether.errors import CorruptDataError, InvalidInputError, NotJSONSerializableError
from tether.models import Message

_EXCLUDE_INDEX = {"index"}


def dump_message(message: Message) -> str:
    """Serialise a message (without its index, which the store keeps) to compact JSON."""
    return message.model_dump_json(exclude=_EXCLUDE_INDEX)


def load_message(text: str | bytes, index: int | None = None) -> Message:
    """Parse what :func:`dump_message` wrote; ``index`` is the stored position."""
    try:
        message = Message.model_validate_json(text)
    except ValidationError as exc:
        raise CorruptDataError(f"stored message is not valid: {exc.errors()[0]['msg']}") from exc
    if index is not None:
        message.index = index
    return message


def check_json(value: Any, what: str) -> Any:
    """Raise :class:`NotJSONSerializableError` unless ``value`` is plain JSON data.

    Plain JSON data is dicts with string keys, lists, strings, finite numbers, booleans and
    None. Returns ``value`` unchanged so callers can chain it.
    """
    _walk(value, what, depth=0)
    return value


def _walk(value: Any, path: str, depth: int) -> None:
    if depth > 100:
        raise NotJSONSerializableError(f"{path} is nested more than 100 levels deep")
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotJSONSerializableError(f"{path} holds {value!r}, which JSON cannot store")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotJSONSerializableError(
                    f"{path} has a key {key!r} of type {type(key).__name__}; keys must be strings"
                )
            _walk(item, f"{path}[{key!r}]", depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            _walk(item, f"{path}[{position}]", depth + 1)
        return
    raise NotJSONSerializableError(
        f"{path} holds a {type(value).__name__}, which cannot be stored as JSON"
    )


def dumps(value: Any) -> str:
    """Compact JSON text for a value already checked with :func:`check_json`."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_cursor(*parts: Any) -> str:
    """An opaque, URL-safe cursor holding ``parts`` (datetimes are kept as ISO text)."""
    plain = [p.isoformat() if isinstance(p, datetime) else p for p in parts]
    return base64.urlsafe_b64encode(dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """Reverse :func:`encode_cursor`; a cursor that was not made by it is an input error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"malformed cursor {cursor!r}") from exc
    if not isinstance(parts, list) or len(parts) != size:
        raise InvalidInputError(f"malformed cursor {cursor!r}")
    return parts
