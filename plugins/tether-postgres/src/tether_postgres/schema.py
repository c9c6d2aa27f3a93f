"""The database schema, as an ordered list of migrations.

Every store schema holds ``tether_schema_version`` (one row per applied migration). A new
release appends a migration here and never edits an applied one. ``{s}`` in the statements
is replaced by the quoted schema name (see ``statements.render``).

Tables:

* ``tether_sessions``: one row per session, keyed by ``sid`` (a surrogate key) and unique
  on ``(user_id, session_id)``. ``next_index`` and ``message_count`` are maintained by the
  statements that change messages, so reading them is O(1). ``state`` is JSONB. A fork that
  still shares its parent's history has ``base_sid`` = the parent's ``sid`` and sees the
  parent's visible messages with ``base_from <= position < base_until``.
* ``tether_messages``: ``(sid, position)`` primary key, the message as JSON text (the exact
  text :func:`tether.codec.dump_message` wrote; text, not JSONB, so any unicode round-trips).
* ``tether_records``: snapshots and runs, ``(sid, kind, record_id)`` with an insertion
  sequence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "sessions, messages and records",
        (
            """
            CREATE TABLE {s}.tether_sessions (
                sid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                user_id text COLLATE "C" NOT NULL,
                session_id text COLLATE "C" NOT NULL,
                agent_name text,
                title text,
                parent_id text,
                fork_index bigint,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                expires_at timestamptz,
                next_index bigint NOT NULL DEFAULT 0,
                message_count bigint NOT NULL DEFAULT 0,
                metadata jsonb NOT NULL DEFAULT '{}',
                state jsonb NOT NULL DEFAULT '{}',
                base_sid bigint REFERENCES {s}.tether_sessions (sid),
                base_from bigint NOT NULL DEFAULT 0,
                base_until bigint NOT NULL DEFAULT 0,
                UNIQUE (user_id, session_id)
            ) WITH (fillfactor = 80)
            """,
            "CREATE INDEX tether_sessions_created ON {s}.tether_sessions "
            "(created_at, user_id, session_id)",
            "CREATE INDEX tether_sessions_user_created ON {s}.tether_sessions "
            "(user_id, created_at, session_id)",
            "CREATE INDEX tether_sessions_expires ON {s}.tether_sessions (expires_at) "
            "WHERE expires_at IS NOT NULL",
            "CREATE INDEX tether_sessions_base ON {s}.tether_sessions (base_sid) "
            "WHERE base_sid IS NOT NULL",
            """
            CREATE TABLE {s}.tether_messages (
                sid bigint NOT NULL REFERENCES {s}.tether_sessions (sid) ON DELETE CASCADE,
                position bigint NOT NULL,
                body text NOT NULL,
                PRIMARY KEY (sid, position)
            )
            """,
            """
            CREATE TABLE {s}.tether_records (
                sid bigint NOT NULL REFERENCES {s}.tether_sessions (sid) ON DELETE CASCADE,
                kind text COLLATE "C" NOT NULL,
                record_id text COLLATE "C" NOT NULL,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                data jsonb NOT NULL,
                PRIMARY KEY (sid, kind, record_id)
            )
            """,
            "CREATE INDEX tether_records_order ON {s}.tether_records (sid, kind, seq)",
        ),
    ),
)

LATEST = MIGRATIONS[-1].version

VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS {s}.tether_schema_version (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""
