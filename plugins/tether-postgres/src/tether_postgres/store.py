"""``postgresql://``: the synchronous PostgreSQL store (psycopg 3 + a connection pool)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg_pool import ConnectionPool

from tether.errors import StoreError
from tether.stores.base import Capabilities, SessionStore
from tether.stores.toolkit import bind_operations
from tether_postgres import drivers, ops
from tether_postgres.config import parse
from tether_postgres.errors import is_connection_lost, translate
from tether_postgres.migrations import ensure_schema
from tether_postgres.statements import render

if TYPE_CHECKING:
    from tether_postgres.aio import AsyncPostgresStore


class PostgresStore(SessionStore):
    """Sessions in PostgreSQL. ``PostgresStore("postgresql://user@host/db?schema=app")``.

    Options (URL query or keyword): ``schema``, ``min_size``, ``max_size``,
    ``pool_timeout``, ``migrate``, ``prepare_threshold``; other query parameters go to
    libpq. Nothing connects until the first call, which also applies pending migrations.
    """

    backend_name = "postgres"
    capabilities = Capabilities(native_async=True)

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url)
        self.settings = parse(url, options)
        self.queries = render(self.settings.schema)
        self.schema_ready = False
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()
        self._closed = False

    def _make_async(self) -> AsyncPostgresStore:
        from tether_postgres.aio import AsyncPostgresStore

        return AsyncPostgresStore(self)

    def close(self) -> None:
        """Close the pool (and the async twin's connections). Safe to call twice."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        if self._aio is not None:
            self._aio.discard()

    # --- running operations -----------------------------------------------------------

    def _operation_args(self) -> tuple[Any, ...]:
        return (self.queries,)

    def _run(self, op: ops.Op) -> Any:
        try:
            pool = self._open_pool()
            try:
                return self._run_chain(pool, op)
            except psycopg.OperationalError as exc:
                if not is_connection_lost(exc):
                    raise
                # The server may have dropped every pooled connection: check them. A read
                # is retried once; a write is not, since the server may have applied it.
                pool.check()
                if not op.read:
                    raise
                return self._run_chain(pool, op)
        except psycopg.Error as exc:
            raise translate(exc, self.settings) from exc

    def _run_chain(self, pool: ConnectionPool, op: Any) -> Any:
        while isinstance(op, ops.Op):
            with self._connection(pool) as conn:
                op = drivers.run(conn, op)
        return op

    @contextmanager
    def _connection(self, pool: ConnectionPool) -> Iterator[psycopg.Connection]:
        conn = pool.getconn()
        for _ in range(self.settings.max_size):
            if not drivers.is_stale(conn):
                break
            conn.close()
            pool.putconn(conn)
            conn = pool.getconn()
        try:
            yield conn
        finally:
            pool.putconn(conn)

    def _open_pool(self) -> ConnectionPool:
        pool = self._pool
        if pool is not None:
            return pool
        with self._lock:
            if self._closed:
                raise StoreError(f"the PostgreSQL store for {self.settings.masked_url} is closed")
            if self._pool is None:
                if not self.schema_ready:
                    with psycopg.connect(
                        self.settings.conninfo, **self.settings.connection_kwargs
                    ) as conn:
                        drivers.run(conn, ensure_schema(self.queries, self.settings.migrate))
                    self.schema_ready = True
                pool = ConnectionPool(
                    self.settings.conninfo,
                    min_size=self.settings.min_size,
                    max_size=self.settings.max_size,
                    timeout=self.settings.pool_timeout,
                    kwargs=self.settings.connection_kwargs,
                    name=f"tether-postgres:{self.settings.schema}",
                    open=False,
                )
                pool.open(wait=False)
                self._pool = pool
            return self._pool


bind_operations(PostgresStore, ops.PRIMITIVES)
