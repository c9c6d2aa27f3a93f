"""``session.json``: a session's info (everything but its messages, state and records)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tether.errors import CorruptDataError, SchemaVersionError
from tether.models import SessionInfo
from tether.stores._prepare import SessionKey
from tether.stores.file.fsio import to_json_bytes

FORMAT = 1
_DERIVED = {"message_count", "next_index"}  # kept in messages.jsonl


def dump(info: SessionInfo) -> bytes:
    """The document for ``info``, readable JSON with a format version first."""
    doc = {"format": FORMAT, **info.model_dump(mode="json", exclude=_DERIVED)}
    return to_json_bytes(doc, indent=2) + b"\n"


def parse(doc: Any, path: Path, key: SessionKey) -> SessionInfo:
    """Validate a parsed ``session.json`` of session ``key``."""
    if not isinstance(doc, dict) or not isinstance(doc.get("format"), int):
        raise CorruptDataError(f"{path} is not a tether session file; it was left untouched")
    if doc["format"] > FORMAT:
        raise SchemaVersionError(
            f"{path} has format {doc['format']}, newer than this tether understands "
            f"({FORMAT}); upgrade tether"
        )
    fields = {k: v for k, v in doc.items() if k != "format" and k not in _DERIVED}
    try:
        info = SessionInfo.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CorruptDataError(
            f"{path} is not a valid session file ({where}: {first['msg']}); it was left untouched"
        ) from exc
    if (info.user_id, info.session_id) != key:
        raise CorruptDataError(
            f"{path} belongs to session {info.session_id!r} of user {info.user_id!r}, "
            f"not {key.session_id!r} of {key.user_id!r}; it was left untouched"
        )
    return info
