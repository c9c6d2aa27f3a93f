"""``store_url``: an isolated namespace on every installed backend the façades must serve.

The built-in backends always; PostgreSQL and Redis (local test servers) when their plugins
are installed. Each URL is cleaned up after the test.
"""

from __future__ import annotations

import uuid

import pytest

from tether.stores.registry import store_backends

POSTGRES = "postgresql://root@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/0"


def _backends() -> list[str]:
    wanted = ("memory", "file", "sqlite", "postgres", "redis")
    return [name for name in wanted if name in store_backends()]


@pytest.fixture(params=_backends())
def store_url(request, tmp_path):
    name = request.param
    token = uuid.uuid4().hex[:12]
    if name == "memory":
        yield f"memory://facades-{token}"
    elif name == "file":
        yield (tmp_path / "files").as_uri()
    elif name == "sqlite":
        yield f"sqlite:///{tmp_path / 'tether.db'}"
    elif name == "postgres":
        import psycopg

        schema = f"tether_facades_{token}"
        yield f"{POSTGRES}?schema={schema}"
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    else:
        import redis

        prefix = f"tether-facades:{token}:"
        yield f"{REDIS}?prefix={prefix}"
        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
