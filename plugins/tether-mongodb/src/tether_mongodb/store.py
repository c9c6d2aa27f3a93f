"""``MongoStore``: the sync store on pymongo's ``MongoClient``.

Its primitives are the operations of ``ops``, bound below; this class only knows how to run
one: send each call, restart an operation that lost a race (after a short random wait), and
turn pymongo errors into tether errors.

Connections: pymongo reconnects by itself. After a server restart the first call on a stale
connection fails; pymongo resends reads and single-document writes once, this class resends
the multi-document deletes marked safe, so the next call after a restart succeeds. A write
that still fails raises ``StoreUnavailableError``; nothing is dropped silently.
"""

from __future__ import annotations

import time
from typing import Any

from tether.errors import ConfigurationError
from tether.models import Message
from tether.steps import advance
from tether.stores._prepare import SessionKey
from tether.stores.async_base import AsyncSessionStore
from tether.stores.base import Capabilities, SessionStore
from tether.stores.toolkit import bind_operations
from tether_mongodb import ops, protocol
from tether_mongodb.config import MongoConfig, parse
from tether_mongodb.protocol import Append, Call


class MongoStore(SessionStore):
    """Sessions in MongoDB (``mongodb://``, ``mongodb+srv://``); see docs/backends/mongodb.md."""

    backend_name = "mongodb"
    capabilities = Capabilities(native_async=True)

    def __init__(self, url: str, **options: Any) -> None:
        import pymongo
        from pymongo.errors import ConfigurationError as PyMongoConfigurationError

        self._config: MongoConfig = parse(url, options)
        super().__init__(url)
        self._heads: dict[SessionKey, ops.Head] = {}
        try:
            self._client: Any = pymongo.MongoClient(
                self._config.client_url, **self._config.client_options
            )
        except (PyMongoConfigurationError, TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"bad MongoDB URL or option for {self._config.where}: {exc}"
            ) from None
        self._db = self._client[self._config.database]
        try:
            speaks_bulk_write = self._run(lambda: ops.setup(self._config.reap_after))
        except BaseException:
            self._client.close()
            raise
        self.bulk_write: bool = speaks_bulk_write and self._config.bulk_write is not False
        """Whether an append is one ``bulkWrite`` round trip (MongoDB 8.0 and newer) rather
        than an insert followed by an update."""

    def _run(self, operation: Any) -> Any:
        """Run ``operation()`` (a new generator each time) to its result, restarting it when
        it lost a race."""
        from bson.errors import BSONError
        from pymongo.errors import PyMongoError

        for attempt in range(protocol.MAX_ATTEMPTS):
            try:
                return self._drive(operation())
            except protocol.Retry as retry:
                time.sleep(retry.wait(attempt))
            except (PyMongoError, BSONError) as exc:
                raise protocol.translate(exc, self._config.where) from None
        raise protocol.contention(self._config.where)

    def _drive(self, steps: Any) -> Any:
        from pymongo.errors import PyMongoError

        reply: Any = None
        error: BaseException | None = None
        while True:
            done, step = advance(steps, reply, error)
            if done:
                return step
            reply, error = None, None
            try:
                reply = self._send(step)
            except PyMongoError as exc:
                error = exc

    def _send(self, step: Call | Append) -> Any:
        if isinstance(step, Append):
            models = protocol.append_models(self._config.database, step)
            return self._client.bulk_write(models, ordered=True)
        target = self._db if step.collection is None else self._db[step.collection]
        method = getattr(target, step.method)
        try:
            result = method(*step.args, **step.kwargs)
        except Exception as exc:
            if not protocol.should_resend(exc, step):
                raise
            result = method(*step.args, **step.kwargs)
        return list(result) if step.method == "find" else result

    def _append_messages(self, key: SessionKey, messages: list[Message]) -> list[Message]:
        return self._run(lambda: ops.append_messages(key, messages, self._heads, self.bulk_write))

    def _make_async(self) -> AsyncSessionStore:
        from tether_mongodb.aio import AsyncMongoStore

        return AsyncMongoStore(self)

    def close(self) -> None:
        """Close the client's connections. Safe to call twice."""
        self._client.close()


bind_operations(MongoStore, ops.PRIMITIVES, deferred=True)
