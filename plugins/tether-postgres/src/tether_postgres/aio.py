"""The native async PostgreSQL store (``store.aio``): psycopg's AsyncConnectionPool running
the same operations as the sync store."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from tether.errors import StoreError
from tether.stores.async_base import AsyncSessionStore
from tether.stores.toolkit import bind_operations
from tether_postgres import drivers, ops
from tether_postgres.errors import is_connection_lost, translate
from tether_postgres.migrations import ensure_schema
from tether_postgres.store import PostgresStore


class AsyncPostgresStore(AsyncSessionStore):
    """Async access to a :class:`PostgresStore`'s database, with its own async pool.

    The pool belongs to the event loop that first used it; used from another loop (as
    after ``asyncio.run`` returns), the store starts a new pool in that loop.
    """

    def __init__(self, sync: PostgresStore) -> None:
        super().__init__(sync)
        self.settings = sync.settings
        self.queries = sync.queries
        self._pool: AsyncConnectionPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._connections: weakref.WeakSet[psycopg.AsyncConnection] = weakref.WeakSet()

    async def aclose(self) -> None:
        """Close the async pool (the sync store is closed separately)."""
        pool, self._pool, self._loop = self._pool, None, None
        if pool is not None:
            await pool.close()

    def discard(self) -> None:
        """Close this store's async connections without an event loop (used by the sync
        ``close()`` and when the loop that owned the pool has gone)."""
        self._pool = self._loop = None
        for conn in list(self._connections):
            if not conn.closed:
                conn.pgconn.finish()
        self._connections = weakref.WeakSet()

    # --- running operations -----------------------------------------------------------

    def _operation_args(self) -> tuple[Any, ...]:
        return (self.queries,)

    async def _run(self, op: ops.Op) -> Any:
        try:
            pool = await self._open_pool()
            try:
                return await self._run_chain(pool, op)
            except psycopg.OperationalError as exc:
                if not is_connection_lost(exc):
                    raise
                await pool.check()  # the server may have dropped every pooled connection
                if not op.read:
                    raise
                return await self._run_chain(pool, op)
        except psycopg.Error as exc:
            raise translate(exc, self.settings) from exc

    async def _run_chain(self, pool: AsyncConnectionPool, op: Any) -> Any:
        while isinstance(op, ops.Op):
            async with self._connection(pool) as conn:
                op = await drivers.arun(conn, op)
        return op

    @asynccontextmanager
    async def _connection(self, pool: AsyncConnectionPool) -> AsyncIterator[Any]:
        conn = await pool.getconn()
        for _ in range(self.settings.max_size):
            if not drivers.is_stale(conn):
                break
            await conn.close()
            await pool.putconn(conn)
            conn = await pool.getconn()
        try:
            yield conn
        finally:
            await pool.putconn(conn)

    async def _open_pool(self) -> AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        if self._pool is not None and self._loop is loop:
            return self._pool
        if self._lock is None or self._loop is not loop:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._pool is not None and self._loop is loop:
                return self._pool
            if self.sync._closed:
                raise StoreError(f"the PostgreSQL store for {self.settings.masked_url} is closed")
            self.discard()
            self._loop = loop
            if not self.sync.schema_ready:
                conn = await psycopg.AsyncConnection.connect(
                    self.settings.conninfo, **self.settings.connection_kwargs
                )
                async with conn:
                    await drivers.arun(conn, ensure_schema(self.queries, self.settings.migrate))
                self.sync.schema_ready = True
            pool = AsyncConnectionPool(
                self.settings.conninfo,
                min_size=self.settings.min_size,
                max_size=self.settings.max_size,
                timeout=self.settings.pool_timeout,
                kwargs=self.settings.connection_kwargs,
                configure=self._track,
                name=f"tether-postgres-async:{self.settings.schema}",
                open=False,
            )
            await pool.open(wait=False)
            self._pool = pool
            return pool

    async def _track(self, conn: psycopg.AsyncConnection) -> None:
        self._connections.add(conn)


bind_operations(AsyncPostgresStore, ops.PRIMITIVES)
