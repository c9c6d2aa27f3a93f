"""``records.jsonl``: a session's snapshots and runs, as put and delete events.

A put of an existing record replaces its data but keeps its place (records list in the order
they were first put); a delete removes it. The file is compacted when it grows mostly stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tether.errors import CorruptDataError
from tether.stores.file import jsonl

Records = dict[tuple[str, str], dict[str, Any]]


def load(path: Path) -> Records:
    """The live records by (kind, id), in the order they were first put."""
    records: Records = {}
    for row in jsonl.read(path):
        try:
            key = (row["kind"], row["id"])
            if row.get("deleted"):
                records.pop(key, None)
            else:
                records[key] = row["data"]
        except (KeyError, TypeError, AttributeError):
            raise CorruptDataError(f"{path}: malformed record row {row!r}") from None
    return records


def put(path: Path, kind: str, record_id: str, data: dict[str, Any], fsync: bool) -> None:
    _write(path, [{"kind": kind, "id": record_id, "data": data}], fsync)


def delete(path: Path, kind: str, record_ids: list[str], fsync: bool) -> None:
    _write(path, [{"kind": kind, "id": i, "deleted": True} for i in record_ids], fsync)


def save(path: Path, records: Records, fsync: bool) -> None:
    """Replace every record at once."""
    rows = [{"kind": kind, "id": i, "data": data} for (kind, i), data in records.items()]
    jsonl.rewrite(path, rows, fsync)


def _write(path: Path, rows: list[dict[str, Any]], fsync: bool) -> None:
    before, after = jsonl.append(path, rows, fsync)
    if jsonl.worth_compacting(before, after):
        live = load(path)
        if len(live) * 2 < len(jsonl.read(path)):
            save(path, live, fsync)
