"""tether-redis: a tether session store backend for Redis.

``tether.open_store("redis://localhost:6379/0?prefix=myapp:")`` opens one. Importing this
package is cheap: the store and redis-py load on first use of :class:`RedisStore`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["AsyncRedisStore", "RedisStore", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "RedisStore":
        from tether_redis.store import RedisStore

        return RedisStore
    if name == "AsyncRedisStore":
        from tether_redis.aio import AsyncRedisStore

        return AsyncRedisStore
    raise AttributeError(f"module 'tether_redis' has no attribute {name!r}")
