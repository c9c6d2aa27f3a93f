"""One SQLite database file as the store sees it: where it is, its settings, a connection
per thread, transactions, and sqlite3's errors turned into tether's."""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tether.errors import (
    ConfigurationError,
    CorruptDataError,
    LockTimeoutError,
    StoreError,
    StoreUnavailableError,
)
from tether.stores.sqlite import schema
from tether.stores.url import bool_option, check_known, query_options, seconds_option


class Database:
    """The database at ``url``; opening it applies the schema migrations."""

    def __init__(self, url: str, busy_timeout: object = None, fsync: object = None) -> None:
        query = query_options(url)
        check_known(query, {"busy_timeout", "fsync"}, url, "sqlite store")
        self.path = path_of(url)
        self.busy_timeout = seconds_option(
            query.get("busy_timeout", 10.0) if busy_timeout is None else busy_timeout,
            "busy_timeout",
        )
        self.fsync = bool_option(query.get("fsync") if fsync is None else fsync, "fsync")
        self._local = threading.local()
        self._connections: weakref.WeakSet[schema.Connection] = weakref.WeakSet()
        self._guard = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        with self.errors():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            schema.migrate(self.connection(), self.path)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        if self._closed:
            raise StoreError(f"the sqlite store on {self.path} is closed")
        if self._pid != os.getpid():  # a forked child must not touch its parent's handles
            self._local, self._pid = threading.local(), os.getpid()
            self._connections = weakref.WeakSet()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = schema.connect(self.path, self.busy_timeout, self.fsync)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
            with self._guard:
                self._connections.add(conn)
        return conn

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn sqlite3 errors into tether's, naming the database file."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise LockTimeoutError(
                    f"{self.path} stayed locked by another writer for more than busy_timeout "
                    f"({self.busy_timeout:g} s)"
                ) from exc
            if "unable to open" in text:
                raise StoreUnavailableError(f"cannot open {self.path}: {text}") from exc
            raise StoreError(f"{self.path}: {text}") from exc
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise CorruptDataError(f"{self.path} cannot be read ({exc}); left untouched") from exc

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction; ``write`` takes the write lock at once (``BEGIN IMMEDIATE``)."""
        conn = self.connection()
        with self.errors():
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection; later use raises ``StoreError``. Safe to call twice."""
        with self._guard:
            self._closed = True
            connections, self._connections = list(self._connections), weakref.WeakSet()
        for conn in connections:
            conn.close()


def path_of(url: str) -> Path:
    """``sqlite:///relative.db`` -> relative.db, ``sqlite:////abs/x.db`` -> /abs/x.db."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "sqlite":
        raise ConfigurationError(f"the sqlite store needs a sqlite:// URL, not {url!r}")
    if parts.netloc:
        raise ConfigurationError(
            f"{url!r} names a host; use sqlite:///relative/path.db or sqlite:////absolute/path.db"
            " (an in-process store is memory://)"
        )
    path = unquote(parts.path)[1:]
    if not path:
        raise ConfigurationError(f"{url!r} names no database file")
    return Path(path).expanduser()
