"""Fixtures: a fresh PostgreSQL schema per test, dropped afterwards.

The server comes from ``TETHER_TEST_POSTGRES`` (default: the local test server). Each
test's URL names its own schema and ``application_name``, so tests never see each other's
data or connections, nor those of anyone else using the same server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

SERVER = os.environ.get("TETHER_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test")


def admin(sql: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on the test server with a short-lived connection."""
    with psycopg.connect(SERVER, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def schema() -> Iterator[str]:
    """A unique schema name; the schema is dropped after the test."""
    name = f"tether_test_{uuid.uuid4().hex[:12]}"
    yield name
    admin(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def app_name(schema: str) -> str:
    """The ``application_name`` this test's connections use (to find and kill them)."""
    return schema


@pytest.fixture
def pg_url(schema: str, app_name: str) -> str:
    separator = "&" if "?" in SERVER else "?"
    return f"{SERVER}{separator}schema={schema}&application_name={app_name}"


@pytest.fixture
def pg(pg_url: str) -> Iterator:
    """A PostgresStore on this test's schema, closed afterwards."""
    import tether

    store = tether.open_store(pg_url)
    yield store
    store.close()


@pytest.fixture
def server_url() -> str:
    """The test server's plain URL (no tether options)."""
    return SERVER


@pytest.fixture
def sql():
    """Run one statement on the test server: ``sql("SELECT ...", params) -> rows``."""
    return admin


@pytest.fixture
def kill(app_name: str):
    """``kill()`` terminates this test's server connections, waiting until they are gone;
    returns how many there were."""

    def terminate() -> int:
        rows = admin(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (app_name,),
        )
        return len(rows)

    return terminate
