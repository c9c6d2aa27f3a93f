"""Fixtures for the Redis backend's tests: a Redis server (127.0.0.1:6379, or
``TETHER_TEST_REDIS_URL``) and a fresh key prefix per test, deleted afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

SERVER_URL = os.environ.get("TETHER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def drop_prefix(prefix: str) -> None:
    """Delete every key under ``prefix`` (only this test's keys: the prefix is unique)."""
    import redis

    client = redis.Redis.from_url(SERVER_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))  # no glob characters
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()


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
