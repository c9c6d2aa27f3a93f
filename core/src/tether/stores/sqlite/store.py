"""``sqlite:///path.db``: sessions in one SQLite database file (stdlib ``sqlite3``, WAL mode).

Every operation is one transaction; writes use ``BEGIN IMMEDIATE`` so that two processes
never interleave a read-modify-write (an append reads and bumps ``next_index`` in the same
transaction as its inserts). Each thread gets its own connection (see ``database``).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from tether.codec import dump_message, dumps, load_message
from tether.errors import (
    ConfigurationError,
    CorruptDataError,
    SessionExistsError,
    SessionExpiredError,
)
from tether.models import Message, SessionExport, SessionInfo, utcnow
from tether.stores._prepare import SessionKey, require
from tether.stores.base import Capabilities, SessionStore
from tether.stores.registry import tether_home
from tether.stores.sqlite import rows
from tether.stores.sqlite.database import Database
from tether.stores.toolkit import incremented, record_id


class SQLiteStore(SessionStore):
    """Sessions in a SQLite file: ``sqlite:///relative.db`` or ``sqlite:////abs/path.db``.

    Options (keyword or URL query): ``busy_timeout`` (seconds to wait for another writer,
    default 10) and ``fsync`` (default False: WAL with ``synchronous=NORMAL``, which survives
    a crash of the process; True sets ``synchronous=FULL``, which survives a power loss).
    """

    backend_name = "sqlite"
    capabilities = Capabilities()

    def __init__(
        self,
        url: str | None = None,
        *,
        busy_timeout: float | None = None,
        fsync: bool | None = None,
        **options: Any,
    ) -> None:
        if options:
            raise ConfigurationError(
                f"unknown sqlite store option(s) {sorted(options)}; known: busy_timeout, fsync"
            )
        super().__init__(url or f"sqlite:///{(tether_home() / 'sessions.db').resolve()}")
        self._db = Database(self.url, busy_timeout, fsync)
        self.path, self.busy_timeout, self.fsync = (
            self._db.path,
            self._db.busy_timeout,
            self._db.fsync,
        )
        self._tx = self._db.transaction

    def _find(
        self, conn: sqlite3.Connection, key: SessionKey, columns: str = rows.SESSION_COLUMNS
    ) -> sqlite3.Row | None:
        return conn.execute(
            f"SELECT {columns} FROM sessions WHERE user_id = ? AND session_id = ?", key
        ).fetchone()

    def _live(
        self, conn: sqlite3.Connection, key: SessionKey, columns: str = rows.SESSION_COLUMNS
    ) -> sqlite3.Row:
        """The session's row; raises if it does not exist or has expired."""
        row = self._find(conn, key, columns)
        if row is None:
            require(None, key)
        if rows.expired(row):
            raise SessionExpiredError(f"session {key.session_id!r} has expired")
        return row

    def close(self) -> None:
        self._db.close()

    # --- sessions ---------------------------------------------------------------------

    def _insert(
        self, conn: sqlite3.Connection, info: SessionInfo, state: dict[str, Any], count: int
    ) -> int:
        return conn.execute(
            "INSERT INTO sessions (session_id, user_id, agent_name, title, parent_id, "
            "fork_index, created_at, updated_at, expires_at, message_count, next_index, "
            "metadata, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                info.session_id,
                info.user_id,
                info.agent_name,
                info.title,
                info.parent_id,
                info.fork_index,
                rows.ts(info.created_at),
                rows.ts(info.updated_at),
                rows.ts(info.expires_at),
                count,
                info.next_index,
                dumps(info.metadata),
                dumps(state),
            ),
        ).lastrowid

    def _replaceable(self, conn: sqlite3.Connection, key: SessionKey, replace: bool) -> None:
        """Make room for a new session ``key``: an expired one (or, with ``replace``, any) is
        deleted; a live one raises ``SessionExistsError``."""
        row = self._find(conn, key)
        if row is None:
            return
        if not replace and not rows.expired(row):
            raise SessionExistsError(f"session {key.session_id!r} already exists")
        conn.execute("DELETE FROM sessions WHERE id = ?", (row["id"],))

    def _create_session(self, info: SessionInfo, exist_ok: bool) -> SessionInfo:
        key = SessionKey(info.user_id, info.session_id)
        with self._tx(write=True) as conn:
            row = self._find(conn, key)
            if row is not None and not rows.expired(row) and exist_ok:
                return rows.session_info(row)
            self._replaceable(conn, key, replace=False)
            self._insert(conn, info, {}, 0)
        return info.model_copy(deep=True)

    def _get_session(self, key: SessionKey) -> SessionInfo | None:
        with self._tx() as conn:
            row = self._find(conn, key)
        return None if row is None or rows.expired(row) else rows.session_info(row)

    def _list_sessions(
        self, user_id: str | None, limit: int, after: tuple[datetime, str, str] | None
    ) -> list[SessionInfo]:
        where, args = ["(expires_at IS NULL OR expires_at > ?)"], [rows.ts(utcnow())]
        if user_id is not None:
            where.append("user_id = ?")
            args.append(user_id)
        if after is not None:
            where.append("(created_at, user_id, session_id) < (?, ?, ?)")
            args += [rows.ts(after[0]), after[1], after[2]]
        sql = (
            f"SELECT {rows.SESSION_COLUMNS} FROM sessions WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC, user_id DESC, session_id DESC LIMIT ?"
        )
        with self._tx() as conn:
            found = conn.execute(sql, [*args, limit]).fetchall()
        return [rows.session_info(row) for row in found]

    def _update_session(self, key: SessionKey, changes: dict[str, Any]) -> SessionInfo:
        columns = {
            "title": changes.get("title"),
            "metadata": dumps(changes.get("metadata")),
            "expires_at": rows.ts(changes.get("expires_at")),
            "updated_at": rows.ts(changes.get("updated_at")),
        }
        sets = [name for name in columns if name in changes]
        with self._tx(write=True) as conn:
            row = self._live(conn, key)
            if sets:
                conn.execute(
                    f"UPDATE sessions SET {', '.join(f'{n} = ?' for n in sets)} WHERE id = ?",
                    [*(columns[n] for n in sets), row["id"]],
                )
            return rows.session_info(self._find(conn, key))

    def _delete_session(self, key: SessionKey) -> bool:
        with self._tx(write=True) as conn:
            cursor = conn.execute("DELETE FROM sessions WHERE user_id = ? AND session_id = ?", key)
            return cursor.rowcount > 0

    # --- messages ---------------------------------------------------------------------

    def _append_messages(self, key: SessionKey, messages: list[Message]) -> list[Message]:
        bodies = [dump_message(m) for m in messages]
        with self._tx(write=True) as conn:
            row = self._live(conn, key)
            first = row["next_index"]
            conn.executemany(
                "INSERT INTO messages (session, idx, body) VALUES (?, ?, ?)",
                [(row["id"], first + k, body) for k, body in enumerate(bodies)],
            )
            conn.execute(
                "UPDATE sessions SET next_index = ?, message_count = message_count + ?, "
                "updated_at = ? WHERE id = ?",
                (first + len(bodies), len(bodies), rows.ts(utcnow()), row["id"]),
            )
        for k, message in enumerate(messages):
            message.index = first + k
        return messages

    def _read_messages(
        self,
        key: SessionKey,
        *,
        after: int | None,
        before: int | None,
        limit: int | None,
        from_end: bool,
    ) -> list[Message]:
        order = "DESC" if from_end else "ASC"
        with self._tx() as conn:
            row = self._live(conn, key)
            found = conn.execute(
                "SELECT idx, body FROM messages WHERE session = ? AND idx > ? AND idx < ? "
                f"ORDER BY idx {order} LIMIT ?",
                (
                    row["id"],
                    -1 if after is None else after,
                    rows.NO_END if before is None else before,
                    -1 if limit is None else limit,
                ),
            ).fetchall()
        if from_end:
            found.reverse()
        return [self._message(r["body"], r["idx"]) for r in found]

    def _message(self, body: str, index: int) -> Message:
        try:
            return load_message(body, index)
        except CorruptDataError as exc:
            raise CorruptDataError(f"{self.path}: message {index}: {exc}") from exc

    def _count_messages(self, key: SessionKey) -> int:
        with self._tx() as conn:
            return self._live(conn, key)["message_count"]

    def _delete_messages(
        self, conn: sqlite3.Connection, row: sqlite3.Row, where: str = "", args: tuple = ()
    ) -> int:
        """Delete the session's messages matching ``where`` and keep the count right."""
        deleted = conn.execute(
            f"DELETE FROM messages WHERE session = ? {where}", (row["id"], *args)
        ).rowcount
        conn.execute(
            "UPDATE sessions SET message_count = message_count - ? WHERE id = ?",
            (deleted, row["id"]),
        )
        return deleted

    def _clear_messages(self, key: SessionKey) -> int:
        with self._tx(write=True) as conn:
            return self._delete_messages(conn, self._live(conn, key))

    def _trim_messages(self, key: SessionKey, keep_last: int) -> int:
        with self._tx(write=True) as conn:
            row = self._live(conn, key)
            newest_dropped = conn.execute(
                "SELECT idx FROM messages WHERE session = ? ORDER BY idx DESC LIMIT 1 OFFSET ?",
                (row["id"], keep_last),
            ).fetchone()
            if newest_dropped is None:
                return 0
            return self._delete_messages(conn, row, "AND idx <= ?", (newest_dropped[0],))

    # --- state ------------------------------------------------------------------------

    def _state(self, conn: sqlite3.Connection, key: SessionKey) -> tuple[int, dict[str, Any]]:
        row = self._live(conn, key, "id, expires_at, state")
        return row["id"], self._json(row["state"], "state")

    def _put_state(self, conn: sqlite3.Connection, rowid: int, state: dict[str, Any]) -> None:
        conn.execute("UPDATE sessions SET state = ? WHERE id = ?", (dumps(state), rowid))

    def _load_state(self, key: SessionKey) -> dict[str, Any]:
        with self._tx() as conn:
            return self._state(conn, key)[1]

    def _save_state(self, key: SessionKey, state: dict[str, Any]) -> None:
        with self._tx(write=True) as conn:
            self._put_state(conn, self._state(conn, key)[0], state)

    def _set_state_value(self, key: SessionKey, name: str, value: Any) -> None:
        with self._tx(write=True) as conn:
            rowid, state = self._state(conn, key)
            state[name] = value
            self._put_state(conn, rowid, state)

    def _increment_state(self, key: SessionKey, name: str, amount: int | float) -> int | float:
        with self._tx(write=True) as conn:
            rowid, state = self._state(conn, key)
            state[name] = incremented(state, name, amount)
            self._put_state(conn, rowid, state)
            return state[name]

    # --- records ----------------------------------------------------------------------

    def _put_record(self, key: SessionKey, kind: str, record_id: str, data: dict[str, Any]) -> None:
        with self._tx(write=True) as conn:
            self._insert_record(conn, self._live(conn, key)["id"], kind, record_id, data)

    def _insert_record(
        self, conn: sqlite3.Connection, rowid: int, kind: str, record_id: str, data: dict
    ) -> None:
        conn.execute(
            "INSERT INTO records (session, kind, record_id, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (session, kind, record_id) DO UPDATE SET data = excluded.data",
            (rowid, kind, record_id, dumps(data)),
        )

    def _get_record(self, key: SessionKey, kind: str, record_id: str) -> dict[str, Any] | None:
        with self._tx() as conn:
            found = conn.execute(
                "SELECT data FROM records WHERE session = ? AND kind = ? AND record_id = ?",
                (self._live(conn, key)["id"], kind, record_id),
            ).fetchone()
        return None if found is None else self._json(found[0], "record")

    def _list_records(self, key: SessionKey, kind: str) -> list[dict[str, Any]]:
        with self._tx() as conn:
            found = conn.execute(
                "SELECT data FROM records WHERE session = ? AND kind = ? ORDER BY seq",
                (self._live(conn, key)["id"], kind),
            ).fetchall()
        return [self._json(r[0], "record") for r in found]

    def _delete_records(self, key: SessionKey, kind: str, record_ids: list[str]) -> None:
        with self._tx(write=True) as conn:
            rowid = self._live(conn, key)["id"]
            conn.executemany(
                "DELETE FROM records WHERE session = ? AND kind = ? AND record_id = ?",
                [(rowid, kind, record_id) for record_id in record_ids],
            )

    def _json(self, text: str, what: str) -> Any:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise CorruptDataError(f"{self.path}: a stored {what} is not valid JSON") from exc

    # --- hierarchy and lifecycle ------------------------------------------------------

    def _rewind(self, key: SessionKey, position: int, state: dict[str, Any] | None) -> None:
        with self._tx(write=True) as conn:
            row = self._live(conn, key)
            self._delete_messages(conn, row, "AND idx >= ?", (position,))
            conn.execute("UPDATE sessions SET next_index = ? WHERE id = ?", (position, row["id"]))
            if state is not None:
                self._put_state(conn, row["id"], state)

    def _fork(self, source: SessionKey, info: SessionInfo, state: dict[str, Any]) -> SessionInfo:
        key = SessionKey(info.user_id, info.session_id)
        with self._tx(write=True) as conn:
            parent = self._live(conn, source)
            self._replaceable(conn, key, replace=False)
            rowid = self._insert(conn, info, state, 0)
            copied = conn.execute(
                "INSERT INTO messages (session, idx, body) "
                "SELECT ?, idx, body FROM messages WHERE session = ? AND idx < ?",
                (rowid, parent["id"], info.fork_index or 0),
            ).rowcount
            conn.execute("UPDATE sessions SET message_count = ? WHERE id = ?", (copied, rowid))
            return rows.session_info(self._find(conn, key))

    def _import_session(self, data: SessionExport, replace: bool) -> SessionInfo:
        info = data.info
        key = SessionKey(info.user_id, info.session_id)
        bodies = [(m.index, dump_message(m)) for m in data.messages]
        with self._tx(write=True) as conn:
            self._replaceable(conn, key, replace)
            rowid = self._insert(conn, info, data.state, len(bodies))
            conn.executemany(
                "INSERT INTO messages (session, idx, body) VALUES (?, ?, ?)",
                [(rowid, index, body) for index, body in bodies],
            )
            for kind, records in data.records.items():
                for record in records:
                    self._insert_record(conn, rowid, kind, record_id(kind, record), record)
            return rows.session_info(self._find(conn, key))

    def _purge_expired(self) -> int:
        with self._tx(write=True) as conn:
            return conn.execute(
                "DELETE FROM sessions WHERE expires_at IS NOT NULL AND expires_at <= ?",
                (rows.ts(utcnow()),),
            ).rowcount
