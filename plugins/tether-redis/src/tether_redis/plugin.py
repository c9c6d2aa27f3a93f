"""The module the ``tether`` entry point names: it registers the backend and imports nothing
heavy (redis-py loads when a store is opened)."""

from __future__ import annotations

from typing import Any

from tether import hookimpl


def open_redis_store(url: str, **options: Any):
    """Factory for ``tether.open_store("redis://...")``."""
    from tether_redis.store import RedisStore

    return RedisStore(url, **options)


@hookimpl
def register_session_stores(register):
    register(
        "redis",
        ("redis", "rediss", "unix"),
        open_redis_store,
        description="Redis 7+ (redis-py): one list per session, Lua scripts, native TTL",
    )
