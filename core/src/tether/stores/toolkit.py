"""Small helpers for backend authors, so every backend behaves the same way."""

from __future__ import annotations

from typing import Any

from tether.errors import InvalidInputError
from tether.stores._prepare import SNAPSHOT

RECORD_ID_FIELDS = {SNAPSHOT: "snapshot_id", "run": "run_id"}
"""The field holding a record's id, by record kind."""


def record_id(kind: str, record: dict[str, Any]) -> str:
    """The id of a snapshot or run record (as found in an export)."""
    return str(record[RECORD_ID_FIELDS[kind]])


def incremented(state: dict[str, Any], name: str, amount: int | float) -> int | float:
    """``state[name] + amount`` (a missing key counts as 0); refuses a non-number."""
    current = state.get(name, 0)
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise InvalidInputError(f"state[{name!r}] is not a number: {current!r}")
    return current + amount
