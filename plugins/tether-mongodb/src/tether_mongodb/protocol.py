"""What an operation yields to a driver, and how driver errors become tether errors.

An operation (see ``ops``) is a generator. It yields :class:`Call` (one pymongo method call on
a collection or the database) or :class:`Append` (an ordered insert-then-update across two
collections) and receives each result; a call that fails is thrown into the generator, so it
can handle, say, a duplicate key. The sync and async stores run the same operations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tether.errors import (
    InvalidInputError,
    StoreAuthenticationError,
    StoreError,
    StoreUnavailableError,
    TetherError,
)

MAX_ATTEMPTS = 100
"""How often an operation is restarted after losing a race before giving up."""
DUPLICATE_KEY = 11000
TYPE_MISMATCH = 14
_AUTH_FAILED, _UNAUTHORIZED = 18, 13


@dataclass(frozen=True)
class Call:
    """``db[collection].method(*args, **kwargs)``; ``collection`` None calls the database.

    ``find`` returns the list of documents. ``resend`` marks a call that is safe to send
    again after a dropped connection (pymongo already resends single-document writes and
    reads once; multi-document deletes are resent only when marked).
    """

    collection: str | None
    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    resend: bool = False


@dataclass(frozen=True)
class Append:
    """Insert ``docs`` into ``messages``, then update the session document matching
    ``guard`` with ``update``, stopping at the first error: one ``bulkWrite`` round trip.
    The result has ``matched_count``; a failed insert raises with ``nInserted``."""

    docs: list[dict[str, Any]]
    guard: dict[str, Any]
    update: dict[str, Any]


def append_models(database: str, step: Append) -> list[Any]:
    """The ``MongoClient.bulk_write`` models of an :class:`Append`."""
    from pymongo import InsertOne, UpdateOne

    models: list[Any] = [InsertOne(doc, namespace=f"{database}.messages") for doc in step.docs]
    models.append(UpdateOne(step.guard, step.update, namespace=f"{database}.sessions"))
    return models


class Retry(Exception):
    """Raised by an operation that lost a race; the driver waits ``delay`` seconds (by
    default a moment, see :func:`backoff`) and runs it again from the start."""

    def __init__(self, delay: float | None = None) -> None:
        super().__init__(delay)
        self.delay = delay

    def wait(self, attempt: int) -> float:
        return backoff(attempt) if self.delay is None else self.delay


def code_of(exc: BaseException) -> int | None:
    """The server error code (the first write error's for a bulk write)."""
    details = getattr(exc, "details", None) or {}
    errors = details.get("writeErrors") if isinstance(details, dict) else None
    if errors:
        return errors[0].get("code")
    return getattr(exc, "code", None)


def is_duplicate(exc: BaseException) -> bool:
    return code_of(exc) == DUPLICATE_KEY


def inserted_before_error(exc: BaseException) -> int:
    """How many documents of an ordered insert went in before it failed."""
    details = getattr(exc, "details", None) or {}
    return int(details.get("nInserted", 0)) if isinstance(details, dict) else 0


def backoff(attempt: int) -> float:
    """Seconds to wait before restarting an operation for the ``attempt``-th time: random
    (so competing writers spread out), doubling from 1 ms up to 50 ms."""
    return random.uniform(0, min(0.05, 0.001 * 2**attempt))


def should_resend(exc: BaseException, call: Call | Append) -> bool:
    """True when ``call`` failed on a dropped connection and may be sent once more."""
    from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

    return (
        isinstance(call, Call)
        and call.resend
        and isinstance(exc, AutoReconnect)
        and not isinstance(exc, ServerSelectionTimeoutError)
    )


def translate(exc: BaseException, where: str) -> TetherError:
    """The tether error for a pymongo (or bson) error; messages never carry a password."""
    from bson.errors import BSONError
    from pymongo.errors import ConnectionFailure, OperationFailure

    if isinstance(exc, TetherError):
        return exc
    cause = getattr(exc, "error", None)  # a bulkWrite that failed as a whole, not per write
    if isinstance(cause, BaseException):
        return translate(cause, where)
    text = _first_line(exc)
    code = code_of(exc)
    if isinstance(exc, OperationFailure) and code == _AUTH_FAILED:
        return StoreAuthenticationError(f"MongoDB at {where} refused the credentials: {text}")
    if isinstance(exc, OperationFailure) and code == _UNAUTHORIZED:
        return StoreAuthenticationError(
            f"MongoDB at {where} did not authorize the request (check the user, its roles "
            f"and authSource): {text}"
        )
    if isinstance(exc, ConnectionFailure):
        return StoreUnavailableError(f"cannot reach MongoDB at {where}: {text}")
    if isinstance(exc, BSONError):
        return InvalidInputError(f"MongoDB cannot store this value: {text}")
    return StoreError(f"MongoDB at {where} failed: {text}")


def contention(where: str) -> StoreError:
    return StoreError(
        f"MongoDB at {where}: gave up after {MAX_ATTEMPTS} attempts lost to concurrent writers"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).split(", full error:", 1)[0].strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."
