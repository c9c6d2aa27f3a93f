"""``AsyncMongoStore``: the native async twin on pymongo's ``AsyncMongoClient``, running the
same operations as the sync store.

An ``AsyncMongoClient`` belongs to the event loop it first ran in, so the store keeps one
client per running loop (``asyncio.run`` called twice on the same store works). Schema checks
and index creation were done by the sync store that made this twin.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tether.models import Message
from tether.steps import advance
from tether.stores._prepare import SessionKey
from tether.stores.async_base import AsyncSessionStore
from tether.stores.toolkit import bind_operations
from tether_mongodb import ops, protocol
from tether_mongodb.protocol import Append, Call

if TYPE_CHECKING:
    from tether_mongodb.store import MongoStore


class AsyncMongoStore(AsyncSessionStore):
    """Async access to a :class:`~tether_mongodb.store.MongoStore`'s sessions."""

    def __init__(self, sync: MongoStore) -> None:
        super().__init__(sync)
        self._config = sync._config
        self._bulk_write = sync.bulk_write
        self._heads: dict[SessionKey, ops.Head] = {}
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _connection(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            from pymongo import AsyncMongoClient

            self._client = AsyncMongoClient(self._config.client_url, **self._config.client_options)
            self._loop = loop
        return self._client

    async def _run(self, operation: Any) -> Any:
        from bson.errors import BSONError
        from pymongo.errors import PyMongoError

        for attempt in range(protocol.MAX_ATTEMPTS):
            try:
                return await self._drive(operation())
            except protocol.Retry as retry:
                await asyncio.sleep(retry.wait(attempt))
            except (PyMongoError, BSONError) as exc:
                raise protocol.translate(exc, self._config.where) from None
        raise protocol.contention(self._config.where)

    async def _drive(self, steps: Any) -> Any:
        from pymongo.errors import PyMongoError

        client = self._connection()
        reply: Any = None
        error: BaseException | None = None
        while True:
            done, step = advance(steps, reply, error)
            if done:
                return step
            reply, error = None, None
            try:
                reply = await self._send(client, step)
            except PyMongoError as exc:
                error = exc

    async def _send(self, client: Any, step: Call | Append) -> Any:
        if isinstance(step, Append):
            models = protocol.append_models(self._config.database, step)
            return await client.bulk_write(models, ordered=True)
        db = client[self._config.database]
        target = db if step.collection is None else db[step.collection]
        method = getattr(target, step.method)
        for attempt in (0, 1):
            try:
                if step.method == "find":
                    return await method(*step.args, **step.kwargs).to_list(None)
                return await method(*step.args, **step.kwargs)
            except Exception as exc:
                if attempt or not protocol.should_resend(exc, step):
                    raise
        raise AssertionError("unreachable")

    async def _append_messages(self, key: SessionKey, messages: list[Message]) -> list[Message]:
        bulk = self._bulk_write
        return await self._run(lambda: ops.append_messages(key, messages, self._heads, bulk))

    async def aclose(self) -> None:
        """Close this loop's connections."""
        if self._client is not None:
            client, self._client, self._loop = self._client, None, None
            await client.close()


bind_operations(AsyncMongoStore, ops.PRIMITIVES, deferred=True)
