"""Executing an :class:`~tether_postgres.ops.Op` on a psycopg connection, sync or async.

These are the only places that talk to the driver; both do exactly the same steps.
"""

from __future__ import annotations

import select
from typing import Any

from psycopg import AsyncConnection, Connection, pq

from tether_postgres.ops import Op


def _has_rows(cursor: Any) -> bool:
    """True if the statement returned a result set (cheaper than ``cursor.description``)."""
    result = cursor.pgresult
    return result is not None and result.status == pq.ExecStatus.TUPLES_OK


def run(conn: Connection, op: Op) -> Any:
    """Run ``op`` on ``conn`` (in a transaction if the op asks for one)."""
    if op.tx:
        with conn.transaction():
            return _drive(conn, op)
    return _drive(conn, op)


def _drive(conn: Connection, op: Op) -> Any:
    steps, result = op.start(), None
    try:
        while True:
            stmt = steps.send(result)
            cursor = conn.execute(stmt.sql, stmt.params)
            result = cursor.fetchall() if _has_rows(cursor) else cursor.rowcount
    except StopIteration as done:
        return done.value


async def arun(conn: AsyncConnection, op: Op) -> Any:
    """The async twin of :func:`run`."""
    if op.tx:
        async with conn.transaction():
            return await _adrive(conn, op)
    return await _adrive(conn, op)


async def _adrive(conn: AsyncConnection, op: Op) -> Any:
    steps, result = op.start(), None
    try:
        while True:
            stmt = steps.send(result)
            cursor = await conn.execute(stmt.sql, stmt.params)
            result = await cursor.fetchall() if _has_rows(cursor) else cursor.rowcount
    except StopIteration as done:
        return done.value


def is_stale(conn: Connection | AsyncConnection) -> bool:
    """True if a pooled, idle connection is no longer usable.

    An idle connection receives nothing unless the server is closing it (a backend
    terminated, the server shut down), so a readable socket means it is gone. This costs
    one non-blocking ``select``, not a round trip.
    """
    pgconn = conn.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        return True
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
