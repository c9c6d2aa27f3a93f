"""``MongoStore``: the sync store on pymongo's ``MongoClient``.

Its primitives are the operations of ``ops``, bound below; this class only knows how to run
one: send each call, wrap BEGIN..COMMIT in a transaction when the server supports them,
restart an operation that lost a race, and turn pymongo errors into tether errors.

Connections: pymongo reconnects by itself. After a server restart the first call on a stale
connection fails; pymongo resends reads and single-document writes once, this class resends
the multi-document deletes marked safe, so the next call after a restart succeeds. A write
that still fails raises ``StoreUnavailableError``; nothing is dropped silently.
"""

from __future__ import annotations

import abc
import time
from typing import Any

from tether.errors import ConfigurationError
from tether.stores.async_base import AsyncSessionStore
from tether.stores.base import Capabilities, SessionStore
from tether_mongodb import ops, protocol
from tether_mongodb.config import MongoConfig, parse
from tether_mongodb.protocol import BEGIN, COMMIT, Call


class MongoStore(SessionStore):
    """Sessions in MongoDB (``mongodb://``, ``mongodb+srv://``); see docs/backends/mongodb.md."""

    backend_name = "mongodb"
    capabilities = Capabilities(native_async=True)

    def __init__(self, url: str, **options: Any) -> None:
        import pymongo
        from pymongo.errors import ConfigurationError as PyMongoConfigurationError

        self._config: MongoConfig = parse(url, options)
        super().__init__(url)
        self.transactions = False
        """Whether appends and rewinds run in multi-document transactions."""
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
            detected = self._run(lambda: ops.setup(self._config.reap_after))
        except BaseException:
            self._client.close()
            raise
        choice = self._config.transactions
        self.transactions = detected if choice is None else choice

    def _run(self, operation: Any) -> Any:
        """Run ``operation()`` (a new generator each time) to its result, restarting it when
        it lost a race."""
        from bson.errors import BSONError
        from pymongo.errors import PyMongoError

        for attempt in range(protocol.MAX_ATTEMPTS):
            try:
                return self._drive(operation())
            except protocol.Retry:
                pass
            except (PyMongoError, BSONError) as exc:
                if not protocol.should_restart(exc, attempt):
                    raise protocol.translate(exc, self._config.where) from None
            time.sleep(protocol.backoff(attempt))
        raise protocol.contention(self._config.where)

    def _drive(self, steps: Any) -> Any:
        from pymongo.errors import PyMongoError

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
                    session = self._begin()
                elif step is COMMIT:
                    if session is not None:
                        session.commit_transaction()
                        session.end_session()
                        session = None
                else:
                    try:
                        reply = self._send(step, session)
                    except PyMongoError as exc:
                        if session is not None:
                            raise
                        error = exc
        finally:
            if session is not None:
                self._abandon(session)

    def _begin(self) -> Any:
        if not self.transactions:
            return None
        session = self._client.start_session()
        session.start_transaction()
        return session

    @staticmethod
    def _abandon(session: Any) -> None:
        from pymongo.errors import PyMongoError

        try:
            if session.in_transaction:
                session.abort_transaction()
        except PyMongoError:
            pass
        finally:
            session.end_session()

    def _send(self, call: Call, session: Any) -> Any:
        target = self._db if call.collection is None else self._db[call.collection]
        method = getattr(target, call.method)
        try:
            result = method(*call.args, session=session, **call.kwargs)
        except Exception as exc:
            if not protocol.should_resend(exc, call, session is not None):
                raise
            result = method(*call.args, session=session, **call.kwargs)
        return list(result) if call.method == "find" else result

    def _make_async(self) -> AsyncSessionStore:
        from tether_mongodb.aio import AsyncMongoStore

        return AsyncMongoStore(self)

    def close(self) -> None:
        """Close the client's connections. Safe to call twice."""
        self._client.close()


def _bind(name: str, operation: Any) -> Any:
    def primitive(self: MongoStore, *args: Any, **kwargs: Any) -> Any:
        return self._run(lambda: operation(*args, **kwargs))

    primitive.__name__ = name
    primitive.__doc__ = getattr(SessionStore, name).__doc__
    return primitive


for _name, _operation in ops.PRIMITIVES.items():
    setattr(MongoStore, _name, _bind(_name, _operation))
abc.update_abstractmethods(MongoStore)
