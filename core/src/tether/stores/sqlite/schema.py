"""The SQLite schema, its migrations, and opening a connection.

``MIGRATIONS[n - 1]`` turns a version ``n - 1`` database into version ``n``; a new version
is one more SQL string at the end. They run on open, in one transaction, and the version
reached is kept in the ``schema_version`` table.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tether.errors import SchemaVersionError

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions (state as one JSON column), messages, records.
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        agent_name TEXT,
        title TEXT,
        parent_id TEXT,
        fork_index INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        expires_at TEXT,
        next_index INTEGER NOT NULL DEFAULT 0,
        message_count INTEGER NOT NULL DEFAULT 0,
        metadata TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL DEFAULT '{}',
        UNIQUE (user_id, session_id)
    );
    CREATE INDEX sessions_by_created ON sessions (created_at, user_id, session_id);
    CREATE INDEX sessions_by_user ON sessions (user_id, created_at, session_id);
    CREATE INDEX sessions_by_expiry ON sessions (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE messages (
        session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (session, idx)
    ) WITHOUT ROWID;
    CREATE TABLE records (
        seq INTEGER PRIMARY KEY,
        session INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (session, kind, record_id)
    );
    """,
)


def latest_version() -> int:
    """The schema version this tether writes: the number of migrations."""
    return len(MIGRATIONS)


class Connection(sqlite3.Connection):
    """A plain connection that supports weak references (so a store can close them all)."""


def connect(path: Path, busy_timeout: float, fsync: bool) -> Connection:
    """Open ``path`` in WAL mode, autocommit (transactions are explicit), with the busy
    timeout, and ``synchronous`` FULL when ``fsync`` else NORMAL (durable across a crash of
    the process, not of the machine)."""
    conn = sqlite3.connect(
        path,
        timeout=busy_timeout,
        isolation_level=None,
        check_same_thread=False,
        factory=Connection,
    )
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={'FULL' if fsync else 'NORMAL'}")
        conn.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the database up to :func:`latest_version`; raise :class:`SchemaVersionError`
    if it was written by a newer tether."""
    latest = latest_version()
    if _version(conn, path) == latest:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = _version(conn, path)
        for version in range(current + 1, latest + 1):
            for statement in MIGRATIONS[version - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (latest,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _version(conn: sqlite3.Connection, path: Path) -> int:
    try:
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    version = row[0] or 0
    if version > latest_version():
        raise SchemaVersionError(
            f"{path} has schema version {version}, newer than this tether understands "
            f"({latest_version()}); upgrade tether"
        )
    return version
