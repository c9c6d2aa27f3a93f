"""Printing: aligned tables for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click


def echo_json(data: Any) -> None:
    """Print ``data`` (pydantic models allowed, nested) as indented JSON on stdout."""
    click.echo(json.dumps(plain(data), ensure_ascii=False, indent=2))


def plain(data: Any) -> Any:
    """``data`` with pydantic models and datetimes turned into JSON values."""
    if hasattr(data, "model_dump"):
        return data.model_dump(mode="json")
    if isinstance(data, dict):
        return {key: plain(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [plain(item) for item in data]
    if isinstance(data, datetime):
        return data.isoformat()
    return data


def echo_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    empty: str = "",
    width: int = 60,
) -> None:
    """Print rows under headers, columns aligned, cells cut at ``width`` characters;
    ``empty`` is printed when there are no rows."""
    if not rows:
        if empty:
            click.echo(empty)
        return
    cells = [[cell_text(cell, width) for cell in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo(line.rstrip())


def cell_text(value: Any, width: int = 60) -> str:
    """One table cell: times in local time, None as '-', long text shortened to one line."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return when(value)
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def when(moment: datetime | None) -> str:
    """A timestamp in local time, to the second."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def content_text(content: Any) -> str:
    """A message's content as text: content parts (lists of dicts) show their text parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
        else:
            parts.append(json.dumps(part, ensure_ascii=False))
    return " ".join(parts)


def plural(count: int, noun: str) -> str:
    """``1 message``, ``2 messages``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
