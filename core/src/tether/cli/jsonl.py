"""The JSON Lines form of :class:`tether.models.SessionExport` used by export and import.

Each line is ``{"type": ..., "data": ...}``. A ``session`` line (with ``format_version``)
starts a session; the lines after it belong to it: ``message`` (one per message, with its
index), ``state`` (the whole state) and one line per record, typed by its kind (``snapshot``,
``run``). A file may hold several sessions one after another.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from tether.errors import InvalidInputError
from tether.models import Message, SessionExport, SessionInfo

FORMAT_VERSION = 1
_SESSION, _MESSAGE, _STATE = "session", "message", "state"


def export_lines(data: SessionExport) -> list[str]:
    """The lines (without newlines) of one exported session."""
    rows: list[dict[str, Any]] = [
        {
            "type": _SESSION,
            "format_version": FORMAT_VERSION,
            "data": data.info.model_dump(mode="json"),
        }
    ]
    rows += [{"type": _MESSAGE, "data": m.model_dump(mode="json")} for m in data.messages]
    rows.append({"type": _STATE, "data": data.state})
    for kind, records in data.records.items():
        rows += [{"type": kind, "data": record} for record in records]
    return [json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in rows]


def read_exports(lines: Iterable[str], source: str = "input") -> list[SessionExport]:
    """Parse what :func:`export_lines` wrote (one or several sessions), naming the line of
    any problem. Nothing is stored here; the store validates again on import."""
    sessions: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        kind, data = _parse(line, where)
        if kind == _SESSION:
            info = _model(SessionInfo, data, where)
            sessions.append({"info": info, "messages": [], "state": {}, "records": {}})
            continue
        if not sessions:
            raise InvalidInputError(f"{where}: expected a 'session' line first, got {kind!r}")
        current = sessions[-1]
        if kind == _MESSAGE:
            current["messages"].append(_model(Message, data, where))
        elif not isinstance(data, dict):
            raise InvalidInputError(f"{where}: a {kind} line must hold a JSON object")
        elif kind == _STATE:
            current["state"] = data
        else:
            current["records"].setdefault(kind, []).append(data)
    if not sessions:
        raise InvalidInputError(f"{source} holds no exported session")
    return [SessionExport(format_version=FORMAT_VERSION, **s) for s in sessions]


def _parse(line: str, where: str) -> tuple[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{where} is not JSON: {exc.msg}") from exc
    if not isinstance(row, dict) or not isinstance(row.get("type"), str) or "data" not in row:
        raise InvalidInputError(
            f"{where}: expected an object with 'type' and 'data' "
            "(is this a file written by `tether session export`?)"
        )
    version = row.get("format_version", FORMAT_VERSION)
    if row["type"] == _SESSION and (not isinstance(version, int) or version > FORMAT_VERSION):
        raise InvalidInputError(
            f"{where}: export format {version!r} is not one this tether reads "
            f"(up to {FORMAT_VERSION}); upgrade tether"
        )
    return row["type"], row["data"]


def _model(model: Any, data: Any, where: str) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "value"
        raise InvalidInputError(f"{where}: {field}: {error['msg']}") from exc
