"""``AsyncRedisStore``: the native async twin on ``redis.asyncio``, running the same
operations (and so the same scripts) as the sync store.

redis.asyncio connections belong to the event loop that opened them, so the store keeps one
client per running loop: ``asyncio.run`` called twice on the same store works.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tether.errors import StoreError
from tether.steps import advance
from tether.stores.async_base import AsyncSessionStore
from tether.stores.toolkit import bind_operations
from tether_redis import ops
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

if TYPE_CHECKING:
    from tether_redis.store import RedisStore


class AsyncRedisStore(AsyncSessionStore):
    """Async access to a :class:`~tether_redis.store.RedisStore`'s sessions."""

    def __init__(self, sync: RedisStore) -> None:
        super().__init__(sync)
        self._config = sync._config
        self._ns = sync._ns
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _connection(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import redis.asyncio
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            self._client = redis.asyncio.Redis.from_url(
                self._config.redis_url, retry=Retry(NoBackoff(), 0), **self._config.client_options
            )
            self._loop = loop
        return self._client

    def _operation_args(self) -> tuple[Any, ...]:
        return (self._ns,)

    async def _run(self, operation: Operation) -> Any:
        reply, error = None, None
        while True:
            done, value = advance(operation, reply, error)
            if done:
                return value
            try:
                reply, error = await self._execute(value), None
            except StoreError as exc:
                reply, error = None, exc

    async def _execute(self, request: Request) -> Any:
        import redis

        client = self._connection()
        if not request.readonly:
            await _settle()
        attempt = 0
        while True:
            try:
                try:
                    return await self._send(client, request)
                except redis.exceptions.NoScriptError:
                    for script in scripts_of(request):
                        await client.script_load(script.source)
                    return await self._send(client, request)
            except (redis.RedisError, OSError) as exc:
                if should_retry(exc, request, attempt):
                    attempt += 1
                    continue
                raise translate(exc, self._config.where, request) from exc

    @staticmethod
    async def _send(client: Any, request: Request) -> Any:
        if isinstance(request, (Eval, Command)):
            return await client.execute_command(*command_args(request))
        assert isinstance(request, Batch)
        return await fill(client.pipeline(transaction=False), request).execute()

    async def aclose(self) -> None:
        """Close this loop's connections."""
        if self._client is not None:
            client, self._client, self._loop = self._client, None, None
            await client.aclose()


async def _settle() -> None:
    """Let the event loop handle what the sockets have already received before a write is
    sent. A connection the server closed (restart, ``CLIENT KILL``, idle timeout) is then
    seen as closed by the pool's check and replaced, instead of failing the write after it
    was sent, when it could not be resent safely. (The sync client checks its socket
    directly.) Two turns: the first resumes this task, the second runs the socket callbacks
    queued in the same turn."""
    await asyncio.sleep(0)
    await asyncio.sleep(0)


bind_operations(AsyncRedisStore, ops.OPERATIONS)
