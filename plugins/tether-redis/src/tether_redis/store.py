"""``RedisStore``: the sync store on ``redis.Redis``.

Its primitives are the operations of ``ops``, bound below; this class only knows how to send
a request: EVALSHA (loading the script on NOSCRIPT), plain commands, pipelines, reconnects.

Connections: redis-py checks a pooled connection before handing it out and reconnects one
that the server closed (a restart, ``CLIENT KILL``, an idle timeout), so the next call after
such an event succeeds. A request that fails once sent is resent only if it is a read.
"""

from __future__ import annotations

from typing import Any

from tether.errors import InvalidInputError, StoreError
from tether.steps import advance
from tether.stores.async_base import AsyncSessionStore
from tether.stores.base import Capabilities, SessionStore
from tether.stores.toolkit import bind_operations
from tether_redis import ops
from tether_redis.config import RedisConfig, parse
from tether_redis.protocol import (
    Batch,
    Command,
    Eval,
    Operation,
    Request,
    command_args,
    fill,
    scripts_of,
    should_retry,
    translate,
)


class RedisStore(SessionStore):
    """Sessions in Redis (``redis://``, ``rediss://``, ``unix://``); see docs/backends/redis.md."""

    backend_name = "redis"
    capabilities = Capabilities(native_async=True)

    def __init__(self, url: str, **options: Any) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self._config: RedisConfig = parse(url, options)
        super().__init__(url)
        self._ns = self._config.namespace
        try:
            self._client = redis.Redis.from_url(
                self._config.redis_url,
                retry=Retry(NoBackoff(), 0),
                **self._config.client_options,
            )
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"bad option for {self._config.where}: {exc}") from exc
        try:
            self._run(ops.check_server(self._ns))
        except TypeError as exc:  # an unknown option surfaces when the first connection opens
            self._client.close()
            raise InvalidInputError(f"bad option for {self._config.where}: {exc}") from exc
        except BaseException:
            self._client.close()
            raise

    def _operation_args(self) -> tuple[Any, ...]:
        return (self._ns,)

    def _run(self, operation: Operation) -> Any:
        """Drive an operation: send each request it yields, hand back the reply."""
        reply, error = None, None
        while True:
            done, value = advance(operation, reply, error)
            if done:
                return value
            try:
                reply, error = self._execute(value), None
            except StoreError as exc:
                reply, error = None, exc

    def _execute(self, request: Request) -> Any:
        import redis

        attempt = 0
        while True:
            try:
                try:
                    return self._send(request)
                except redis.exceptions.NoScriptError:
                    for script in scripts_of(request):
                        self._client.script_load(script.source)
                    return self._send(request)
            except (redis.RedisError, OSError) as exc:
                if should_retry(exc, request, attempt):
                    attempt += 1
                    continue
                raise translate(exc, self._config.where, request) from exc

    def _send(self, request: Request) -> Any:
        if isinstance(request, (Eval, Command)):
            return self._client.execute_command(*command_args(request))
        assert isinstance(request, Batch)
        return fill(self._client.pipeline(transaction=False), request).execute()

    def _make_async(self) -> AsyncSessionStore:
        from tether_redis.aio import AsyncRedisStore

        return AsyncRedisStore(self)

    def close(self) -> None:
        """Close the connection pool (a later call would open new connections)."""
        self._client.close()


bind_operations(RedisStore, ops.OPERATIONS)
