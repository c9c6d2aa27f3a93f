"""Store options: the URL, its query string and keyword arguments.

``prefix`` is tether's own option; every other option goes to redis-py's connection
(``socket_timeout``, ``db``, ``max_connections``, ``client_name``, ``ssl_*``, ...). A few
redis-py options are fixed because the store depends on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tether.errors import InvalidInputError
from tether.stores.url import mask_url, query_options, scheme_of
from tether_redis.keys import DEFAULT_PREFIX, Namespace, check_prefix

SCHEMES = ("redis", "rediss", "unix")
FIXED = {
    "decode_responses": "replies are decoded by tether",
    "protocol": "tether speaks RESP2 (with RESP3, redis-py skips its check of pooled "
    "connections, so a connection the server closed would fail the next write)",
    "retry": "tether never resends a write (it could be applied twice); reads are retried once",
    "retry_on_error": "tether never resends a write; reads are retried once",
    "retry_on_timeout": "tether never resends a write; reads are retried once",
}
"""redis-py options a user may not set, and why."""
DEFAULTS = {"socket_connect_timeout": 5.0}
FORCED = {"decode_responses": False, "protocol": 2}


@dataclass(frozen=True)
class RedisConfig:
    """Everything needed to open clients (sync and async) for one store URL."""

    url: str
    """The URL as given (shown masked)."""
    redis_url: str
    """The URL for redis-py: tether's own options removed from the query."""
    client_options: dict[str, Any] = field(default_factory=dict)
    namespace: Namespace = field(default_factory=Namespace)

    @property
    def where(self) -> str:
        return mask_url(self.url)


def parse(url: str, options: dict[str, Any]) -> RedisConfig:
    """Validate ``url`` and ``options`` (keyword arguments win over the query string)."""
    if scheme_of(url) not in SCHEMES:
        raise InvalidInputError(
            f"{mask_url(url)!r} is not a Redis URL (expected redis://, rediss:// or unix://)"
        )
    query = query_options(url)
    prefix = check_prefix(options.get("prefix", query.pop("prefix", DEFAULT_PREFIX)))
    client_options = {k: v for k, v in options.items() if k != "prefix"}
    for name in {*query, *client_options} & FIXED.keys():
        raise InvalidInputError(f"option {name!r} cannot be set for the Redis store: {FIXED[name]}")
    for name in client_options.keys() & query.keys():
        del query[name]  # redis-py lets the query string win; here keyword arguments do
    base = url.split("#", 1)[0].split("?", 1)[0]  # not urlunsplit: it drops unix:// slashes
    redis_url = f"{base}?{urlencode(query)}" if query else base
    return RedisConfig(
        url=url,
        redis_url=redis_url,
        client_options={**DEFAULTS, **client_options, **FORCED},
        namespace=Namespace(prefix),
    )
