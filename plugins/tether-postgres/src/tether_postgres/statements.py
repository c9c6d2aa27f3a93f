"""Every SQL statement the store runs, rendered once per schema.

Parameters are always bound (``%(name)s``), never formatted in: ids, titles and metadata
reach the server as values, so ``'; DROP TABLE ...`` is just a string. Only the schema
name, validated and quoted, is written into the text.

Message visibility: a session sees its own rows plus, while it is a fork sharing history,
its parent's visible rows with ``base_from <= position < base_until`` (recursively). The
recursive ``chain`` CTE lists, for one session, each (sid, lo, hi) whose rows it sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tether_postgres.config import quote_ident

MAX_POSITION = 9223372036854775807
KEY = "user_id = %(user_id)s AND session_id = %(session_id)s"
LIVE = "(expires_at IS NULL OR expires_at > now())"
SESSION_COLUMNS = (
    "user_id, session_id, agent_name, title, parent_id, fork_index, created_at, updated_at, "
    "expires_at, message_count, next_index, metadata"
)


def _chain(root: str) -> str:
    return f"""chain AS (
        SELECT sid, 0::bigint AS lo, {MAX_POSITION}::bigint AS hi,
               base_sid AS up, base_from AS up_lo, base_until AS up_hi
        FROM {{s}}.tether_sessions WHERE {root}
        UNION ALL
        SELECT p.sid, greatest(c.lo, c.up_lo), least(c.hi, c.up_hi),
               p.base_sid, p.base_from, p.base_until
        FROM chain c JOIN {{s}}.tether_sessions p ON p.sid = c.up
        WHERE greatest(c.lo, c.up_lo) < least(c.hi, c.up_hi)
    )"""


def _read(direction: str) -> str:
    return f"""
    WITH RECURSIVE {_chain(f"{KEY} AND {LIVE}")},
    picked AS (
        SELECT m.position, m.body FROM chain c CROSS JOIN LATERAL (
            SELECT position, body FROM {{s}}.tether_messages
            WHERE sid = c.sid
              AND position >= greatest(c.lo, %(after)s::bigint + 1)
              AND position < least(c.hi, %(before)s::bigint)
            ORDER BY position {direction} LIMIT %(limit)s::bigint
        ) m
        ORDER BY m.position {direction} LIMIT %(limit)s::bigint
    )
    SELECT p.position, p.body FROM (SELECT 1 FROM chain LIMIT 1) AS live
    LEFT JOIN picked p ON true ORDER BY p.position
    """


def _append(rows: str) -> str:
    """Bump the live session's next_index and insert ``rows`` (built from CTE ``s``) at the
    indexes it frees, in one statement; the row lock orders concurrent appenders."""
    return f"""
    WITH s AS (
        UPDATE {{s}}.tether_sessions
        SET next_index = next_index + %(n)s::bigint,
            message_count = message_count + %(n)s::bigint,
            updated_at = %(updated_at)s
        WHERE {KEY} AND {LIVE}
        RETURNING sid, next_index - %(n)s::bigint AS first
    ), ins AS (
        INSERT INTO {{s}}.tether_messages (sid, position, body) {rows}
    )
    SELECT first FROM s
    """


def _list(by_user: bool, after: bool) -> str:
    where = [LIVE]
    if by_user:
        where.append("user_id = %(user_id)s")
        if after:
            where.append("(created_at, session_id) < (%(created_at)s, %(session_id)s)")
    elif after:
        where.append(
            "(created_at, user_id, session_id) < (%(created_at)s, %(user_id)s, %(session_id)s)"
        )
    return f"""
    SELECT {SESSION_COLUMNS} FROM {{s}}.tether_sessions WHERE {" AND ".join(where)}
    ORDER BY created_at DESC, user_id DESC, session_id DESC LIMIT %(limit)s::bigint
    """


_TEMPLATES = {
    # --- sessions ---
    "get_session": f"SELECT {SESSION_COLUMNS} FROM {{s}}.tether_sessions WHERE {KEY} AND {LIVE}",
    "status": f"""
        SELECT expires_at IS NOT NULL AND expires_at <= now()
        FROM {{s}}.tether_sessions WHERE {KEY}""",
    "insert_session": f"""
        INSERT INTO {{s}}.tether_sessions (
            user_id, session_id, agent_name, title, parent_id, fork_index, created_at,
            updated_at, expires_at, next_index, message_count, metadata, state,
            base_sid, base_until)
        VALUES (
            %(user_id)s, %(session_id)s, %(agent_name)s, %(title)s, %(parent_id)s,
            %(fork_index)s::bigint, %(created_at)s, %(updated_at)s, %(expires_at)s,
            %(next_index)s::bigint, %(message_count)s::bigint, %(metadata)s::jsonb,
            %(state)s::jsonb, %(base_sid)s::bigint, %(base_until)s::bigint)
        ON CONFLICT (user_id, session_id) DO NOTHING
        RETURNING sid, {SESSION_COLUMNS}""",
    "lock_session": f"""
        SELECT sid, expires_at IS NOT NULL AND expires_at <= now(), next_index,
               message_count, base_sid, base_from, base_until
        FROM {{s}}.tether_sessions WHERE {KEY} FOR UPDATE""",
    "share_session": f"""
        SELECT sid, next_index, message_count
        FROM {{s}}.tether_sessions WHERE {KEY} AND {LIVE} FOR SHARE""",
    "lock_forks": """
        SELECT sid FROM {s}.tether_sessions WHERE base_sid = %(sid)s ORDER BY sid FOR UPDATE""",
    "delete_session": "DELETE FROM {s}.tether_sessions WHERE sid = %(sid)s",
    "update_session": f"""
        UPDATE {{s}}.tether_sessions SET
            title = CASE WHEN %(set_title)s::boolean THEN %(title)s::text ELSE title END,
            metadata = CASE WHEN %(set_metadata)s::boolean
                THEN %(metadata)s::jsonb ELSE metadata END,
            expires_at = CASE WHEN %(set_expires_at)s::boolean
                THEN %(expires_at)s::timestamptz ELSE expires_at END,
            updated_at = %(updated_at)s
        WHERE {KEY} AND {LIVE}
        RETURNING {SESSION_COLUMNS}""",
    "list_all": _list(by_user=False, after=False),
    "list_all_after": _list(by_user=False, after=True),
    "list_user": _list(by_user=True, after=False),
    "list_user_after": _list(by_user=True, after=True),
    "expired": """
        SELECT sid FROM {s}.tether_sessions WHERE expires_at <= now()
        ORDER BY sid DESC FOR UPDATE SKIP LOCKED""",
    # --- messages ---
    "append_one": _append("SELECT s.sid, s.first, %(body)s::text FROM s"),
    "append_many": _append(
        "SELECT s.sid, s.first + m.ord - 1, m.body "
        "FROM s, unnest(%(bodies)b::text[]) WITH ORDINALITY AS m(body, ord)"
    ),
    "read_asc": _read("ASC"),
    "read_desc": _read("DESC"),
    "count": f"SELECT message_count FROM {{s}}.tether_sessions WHERE {KEY} AND {LIVE}",
    "count_visible": f"""
        WITH RECURSIVE {_chain("sid = %(sid)s")}
        SELECT count(*) FROM chain c JOIN {{s}}.tether_messages m
          ON m.sid = c.sid AND m.position >= greatest(c.lo, %(lo)s::bigint)
         AND m.position < least(c.hi, %(hi)s::bigint)""",
    "nth_newest": f"""
        WITH RECURSIVE {_chain("sid = %(sid)s")},
        picked AS (
            SELECT m.position FROM chain c CROSS JOIN LATERAL (
                SELECT position FROM {{s}}.tether_messages
                WHERE sid = c.sid AND position >= c.lo AND position < c.hi
                ORDER BY position DESC LIMIT %(n)s::bigint
            ) m
            ORDER BY m.position DESC LIMIT %(n)s::bigint
        )
        SELECT min(position) FROM picked""",
    "delete_own": """
        DELETE FROM {s}.tether_messages
        WHERE sid = %(sid)s AND position >= %(lo)s::bigint AND position < %(hi)s::bigint""",
    "set_history": """
        UPDATE {s}.tether_sessions SET
            next_index = %(next_index)s::bigint, message_count = %(message_count)s::bigint,
            base_sid = %(base_sid)s::bigint, base_from = %(base_from)s::bigint,
            base_until = %(base_until)s::bigint, state = coalesce(%(state)s::jsonb, state)
        WHERE sid = %(sid)s""",
    # Before positions [lo, hi) stop being visible in session %(sid)s, copy what its forks
    # still see there into the forks, and shrink the forks' shared range accordingly.
    "materialise": """
        WITH RECURSIVE kids AS (
            SELECT sid AS kid,
                greatest(base_from, %(lo)s::bigint) AS lo,
                least(base_until, %(hi)s::bigint) AS hi,
                CASE WHEN %(lo)s::bigint <= base_from
                    THEN greatest(base_from, %(hi)s::bigint) ELSE base_from END AS nf,
                CASE WHEN %(hi)s::bigint >= base_until
                    THEN least(base_until, %(lo)s::bigint) ELSE base_until END AS nu
            FROM {s}.tether_sessions
            WHERE base_sid = %(sid)s
              AND greatest(base_from, %(lo)s::bigint) < least(base_until, %(hi)s::bigint)
        ), chain AS (
            SELECT k.kid, p.sid, k.lo, k.hi,
                   p.base_sid AS up, p.base_from AS up_lo, p.base_until AS up_hi
            FROM kids k CROSS JOIN {s}.tether_sessions p WHERE p.sid = %(sid)s
            UNION ALL
            SELECT c.kid, p.sid, greatest(c.lo, c.up_lo), least(c.hi, c.up_hi),
                   p.base_sid, p.base_from, p.base_until
            FROM chain c JOIN {s}.tether_sessions p ON p.sid = c.up
            WHERE greatest(c.lo, c.up_lo) < least(c.hi, c.up_hi)
        ), copied AS (
            INSERT INTO {s}.tether_messages (sid, position, body)
            SELECT c.kid, m.position, m.body FROM chain c JOIN {s}.tether_messages m
              ON m.sid = c.sid AND m.position >= c.lo AND m.position < c.hi
            RETURNING 1
        ), cut AS (
            UPDATE {s}.tether_sessions s SET
                base_sid = CASE WHEN k.nf < k.nu THEN s.base_sid END,
                base_from = CASE WHEN k.nf < k.nu THEN k.nf ELSE 0 END,
                base_until = CASE WHEN k.nf < k.nu THEN k.nu ELSE 0 END
            FROM kids k WHERE s.sid = k.kid
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM copied), (SELECT count(*) FROM cut)""",
    "insert_messages": """
        INSERT INTO {s}.tether_messages (sid, position, body)
        SELECT %(sid)s, p, b FROM unnest(%(positions)s::bigint[], %(bodies)s::text[]) AS m(p, b)""",
    # --- state ---
    "load_state": f"SELECT state FROM {{s}}.tether_sessions WHERE {KEY} AND {LIVE}",
    "save_state": f"""
        UPDATE {{s}}.tether_sessions SET state = %(state)s::jsonb
        WHERE {KEY} AND {LIVE} RETURNING 1""",
    "set_state_value": f"""
        UPDATE {{s}}.tether_sessions
        SET state = state || jsonb_build_object(%(name)s::text, %(value)s::jsonb)
        WHERE {KEY} AND {LIVE} RETURNING 1""",
    # A non-number is left as it is and returned, so the caller can report it. Integers
    # add exactly (numeric); anything involving a float adds as float8, like Python does.
    "increment": f"""
        UPDATE {{s}}.tether_sessions SET state = CASE
            WHEN coalesce(jsonb_typeof(state -> %(name)s::text), 'number') <> 'number'
                THEN state
            WHEN %(integral)s::boolean
                 AND coalesce(state ->> %(name)s::text, '0') ~ '^-?[0-9]+$'
                THEN jsonb_set(state, ARRAY[%(name)s::text], to_jsonb(
                    coalesce(state ->> %(name)s::text, '0')::numeric + %(amount)s::numeric))
            ELSE jsonb_set(state, ARRAY[%(name)s::text], to_jsonb(
                    coalesce(state ->> %(name)s::text, '0')::float8 + %(amount)s::float8))
        END
        WHERE {KEY} AND {LIVE}
        RETURNING state -> %(name)s::text""",
    # --- records ---
    "put_record": f"""
        INSERT INTO {{s}}.tether_records (sid, kind, record_id, data)
        SELECT sid, %(kind)s, %(record_id)s, %(data)s::jsonb
        FROM {{s}}.tether_sessions WHERE {KEY} AND {LIVE}
        ON CONFLICT (sid, kind, record_id) DO UPDATE SET data = EXCLUDED.data
        RETURNING 1""",
    "get_record": f"""
        SELECT r.data FROM {{s}}.tether_sessions s
        LEFT JOIN {{s}}.tether_records r
          ON r.sid = s.sid AND r.kind = %(kind)s AND r.record_id = %(record_id)s
        WHERE {KEY} AND {LIVE}""",
    "list_records": f"""
        SELECT r.data FROM {{s}}.tether_sessions s
        LEFT JOIN {{s}}.tether_records r ON r.sid = s.sid AND r.kind = %(kind)s
        WHERE {KEY} AND {LIVE} ORDER BY r.seq""",
    "delete_records": f"""
        WITH s AS (SELECT sid FROM {{s}}.tether_sessions WHERE {KEY} AND {LIVE}),
        d AS (
            DELETE FROM {{s}}.tether_records r USING s
            WHERE r.sid = s.sid AND r.kind = %(kind)s AND r.record_id = ANY(%(ids)s::text[])
        )
        SELECT 1 FROM s""",
    "insert_records": """
        INSERT INTO {s}.tether_records (sid, kind, record_id, data)
        SELECT %(sid)s, k, i, d::jsonb
        FROM unnest(%(kinds)s::text[], %(ids)s::text[], %(datas)s::text[])
             WITH ORDINALITY AS r(k, i, d, o)
        ORDER BY o""",
    # --- schema versions ---
    "version_table_exists": "SELECT to_regclass(%(table)s::text) IS NOT NULL",
    "version": "SELECT coalesce(max(version), 0) FROM {s}.tether_schema_version",
    "migration_lock": "SELECT pg_advisory_xact_lock(2071923, hashtext(%(schema)s))",
    "create_schema": "CREATE SCHEMA IF NOT EXISTS {s}",
    "record_version": """
        INSERT INTO {s}.tether_schema_version (version, description)
        VALUES (%(version)s, %(description)s)""",
}


@dataclass(frozen=True)
class Queries:
    """The statements for one schema: ``q.sql("append")``, ``q.render(ddl)``."""

    schema: str
    quoted: str
    texts: dict[str, str]

    def sql(self, name: str) -> str:
        return self.texts[name]

    def render(self, template: str) -> str:
        return template.replace("{s}", self.quoted)


@lru_cache(maxsize=64)
def render(schema: str) -> Queries:
    """The statements with ``{s}`` replaced by the quoted ``schema``."""
    quoted = quote_ident(schema)
    texts = {name: text.replace("{s}", quoted) for name, text in _TEMPLATES.items()}
    return Queries(schema, quoted, texts)
