"""Between Python values and the rows of the SQLite schema."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

from tether.models import SessionInfo, utcnow

SESSION_COLUMNS = (
    "id, session_id, user_id, agent_name, title, parent_id, fork_index, created_at, "
    "updated_at, expires_at, message_count, next_index, metadata"
)
NO_END = 2**63 - 1
"""An index bound above every real one."""


def ts(value: datetime | None) -> str | None:
    """A time as fixed-width UTC text, so that text order is time order."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def expired(row: sqlite3.Row) -> bool:
    expires = row["expires_at"]
    return expires is not None and datetime.fromisoformat(expires) <= utcnow()


def session_info(row: sqlite3.Row) -> SessionInfo:
    """A ``sessions`` row (``SESSION_COLUMNS``) as a SessionInfo."""
    expires = row["expires_at"]
    return SessionInfo(
        session_id=row["session_id"],
        user_id=row["user_id"],
        agent_name=row["agent_name"],
        title=row["title"],
        parent_id=row["parent_id"],
        fork_index=row["fork_index"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        expires_at=datetime.fromisoformat(expires) if expires else None,
        message_count=row["message_count"],
        next_index=row["next_index"],
        metadata=json.loads(row["metadata"]),
    )
