"""Fixtures for the Redis backend's tests: a Redis server (127.0.0.1:6379, or
``TETHER_TEST_REDIS_URL``) and a fresh key prefix per test, deleted afterwards."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from redis_helpers import SERVER_URL, DroppingProxy, PrivateServer, drop_prefix


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix no other test (or engineer) uses; its keys are deleted afterwards."""
    prefix = f"tether-test:{uuid.uuid4().hex}:"
    yield prefix
    drop_prefix(prefix)


@pytest.fixture
def redis_url(redis_prefix: str) -> str:
    """A store URL whose keys all live under the test's own prefix."""
    return f"{SERVER_URL}?prefix={redis_prefix}"


@pytest.fixture
def raw_redis() -> Iterator[object]:
    """A plain redis-py client on the test server, to look at or disturb the keys."""
    import redis

    client = redis.Redis.from_url(SERVER_URL)
    yield client
    client.close()


@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[PrivateServer]:
    """A started redis-server only this test uses; stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = PrivateServer(tmp_path, binary)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def dropping_proxy() -> Iterator[DroppingProxy]:
    parts = urlsplit(SERVER_URL)
    proxy = DroppingProxy((parts.hostname or "127.0.0.1", parts.port or 6379))
    yield proxy
    proxy.close()
