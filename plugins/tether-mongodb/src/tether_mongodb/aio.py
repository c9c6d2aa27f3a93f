"""``AsyncMongoStore``: the native async twin on pymongo's ``AsyncMongoClient``, running the
same operations as the sync store.

An ``AsyncMongoClient`` belongs to the event loop it first ran in, so the store keeps one
client per running loop (``asyncio.run`` called twice on the same store works). Schema checks
and index creation were done by the sync store that made this twin.
"""

from __future__ import annotations

import abc
import asyncio
from typing import TYPE_CHECKING, Any

from tether.stores.async_base import AsyncSessionStore
from tether_mongodb import ops, protocol
from tether_mongodb.protocol import BEGIN, COMMIT, Call

if TYPE_CHECKING:
    from tether_mongodb.store import MongoStore


class AsyncMongoStore(AsyncSessionStore):
    """Async access to a :class:`~tether_mongodb.store.MongoStore`'s sessions."""

    def __init__(self, sync: MongoStore) -> None:
        super().__init__(sync)
        self._config = sync._config
        self._transactions = sync.transactions
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
            except protocol.Retry:
                pass
            except (PyMongoError, BSONError) as exc:
                if not protocol.should_restart(exc, attempt):
                    raise protocol.translate(exc, self._config.where) from None
            await asyncio.sleep(protocol.backoff(attempt))
        raise protocol.contention(self._config.where)

    async def _drive(self, steps: Any) -> Any:
        from pymongo.errors import PyMongoError

        client = self._connection()
        db = client[self._config.database]
        reply: Any = None
        error: BaseException | None = None
        session: Any = None
        try:
            while True:
                try:
                    step = steps.throw(error) if error is not None else steps.send(reply)
                except StopIteration as done:
                    return done.value
                reply, error = None, None
                if step is BEGIN:
                    if self._transactions:
                        session = client.start_session()
                        await session.start_transaction()
                elif step is COMMIT:
                    if session is not None:
                        await session.commit_transaction()
                        await session.end_session()
                        session = None
                else:
                    try:
                        reply = await self._send(db, step, session)
                    except PyMongoError as exc:
                        if session is not None:
                            raise
                        error = exc
        finally:
            if session is not None:
                await self._abandon(session)

    @staticmethod
    async def _abandon(session: Any) -> None:
        from pymongo.errors import PyMongoError

        try:
            if session.in_transaction:
                await session.abort_transaction()
        except PyMongoError:
            pass
        finally:
            await session.end_session()

    @staticmethod
    async def _send(db: Any, call: Call, session: Any) -> Any:
        target = db if call.collection is None else db[call.collection]
        method = getattr(target, call.method)
        for attempt in (0, 1):
            try:
                if call.method == "find":
                    return await method(*call.args, session=session, **call.kwargs).to_list(None)
                return await method(*call.args, session=session, **call.kwargs)
            except Exception as exc:
                if attempt or not protocol.should_resend(exc, call, session is not None):
                    raise
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        """Close this loop's connections."""
        if self._client is not None:
            client, self._client, self._loop = self._client, None, None
            await client.close()


def _bind(name: str, operation: Any) -> Any:
    async def primitive(self: AsyncMongoStore, *args: Any, **kwargs: Any) -> Any:
        return await self._run(lambda: operation(*args, **kwargs))

    primitive.__name__ = name
    return primitive


for _name, _operation in ops.PRIMITIVES.items():
    setattr(AsyncMongoStore, _name, _bind(_name, _operation))
abc.update_abstractmethods(AsyncMongoStore)
