"""What an operation asks the driver to send, and how driver errors become tether errors.

Operations (``ops``) are generators that yield :class:`Eval`, :class:`Command` or
:class:`Batch` requests and receive the replies; the sync and async stores only differ in how
they send a request. Neither the requests nor this module import redis-py's client.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

from tether.errors import (
    CorruptDataError,
    StoreAuthenticationError,
    StoreError,
    StoreUnavailableError,
)
from tether_redis.lua import Script


@dataclass(frozen=True)
class Eval:
    """Run a script (EVALSHA, loading it on NOSCRIPT)."""

    script: Script
    keys: Sequence[str]
    args: Sequence[str | bytes | int]

    @property
    def readonly(self) -> bool:
        return self.script.readonly


@dataclass(frozen=True)
class Command:
    """Send one plain (read-only) command."""

    args: tuple[Any, ...]
    readonly: bool = True


@dataclass(frozen=True)
class Batch:
    """Send several idempotent requests in one pipeline (not a transaction)."""

    calls: tuple[Eval | Command, ...]
    readonly: bool = True


Request = Eval | Command | Batch
Operation = Generator[Request, Any, Any]

_DENIED_IN_SCRIPT = "The user executing the script can't run this command"
RETRIES_FOR_READS = 1
"""A read that fails on a broken connection is sent once more on a fresh one. Writes never
are: a write whose reply was lost may have been applied, and must not be applied twice."""


def scripts_of(request: Request) -> list[Script]:
    """The scripts a request runs (to load them after a NOSCRIPT reply)."""
    calls = request.calls if isinstance(request, Batch) else (request,)
    return [call.script for call in calls if isinstance(call, Eval)]


def translate(exc: Exception, where: str, request: Request | None) -> StoreError:
    """The tether error for a redis-py error; ``where`` is the URL with the password masked."""
    import redis.exceptions as rex

    if isinstance(exc, (rex.AuthenticationError, rex.AuthorizationError)):
        return StoreAuthenticationError(f"Redis at {where} refused the credentials: {exc}")
    if isinstance(exc, rex.NoPermissionError) or _DENIED_IN_SCRIPT in str(exc):
        return StoreAuthenticationError(
            f"the Redis user of {where} is not allowed to do this (see its ACL): {exc}"
        )
    if isinstance(exc, (rex.ConnectionError, rex.TimeoutError, OSError)):
        message = f"cannot reach Redis at {where}: {exc}"
        if request is not None and not request.readonly:
            message += " (the write was not confirmed; it may or may not have been applied)"
        return StoreUnavailableError(message)
    if str(exc).startswith("CORRUPT "):
        return CorruptDataError(f"Redis at {where}: {str(exc).removeprefix('CORRUPT ')}")
    if isinstance(exc, rex.OutOfMemoryError):
        return StoreError(f"Redis at {where} is out of memory; nothing was written: {exc}")
    if isinstance(exc, rex.ReadOnlyError):
        return StoreError(f"Redis at {where} is a read-only replica: {exc}")
    return StoreError(f"Redis at {where} failed: {exc}")


def should_retry(exc: Exception, request: Request, attempt: int) -> bool:
    """True if ``request`` may be sent again after failing with ``exc`` on try ``attempt``
    (0-based): only reads, only on a broken connection, only once."""
    import redis.exceptions as rex

    broken = isinstance(exc, (rex.ConnectionError, rex.TimeoutError)) and not isinstance(
        exc, (rex.AuthenticationError, rex.AuthorizationError)
    )
    return broken and request.readonly and attempt < RETRIES_FOR_READS


def command_args(call: Eval | Command) -> tuple[Any, ...]:
    """The raw command for one call (EVALSHA for a script)."""
    if isinstance(call, Eval):
        return ("EVALSHA", call.script.sha, len(call.keys), *call.keys, *call.args)
    return call.args


def fill(pipeline: Any, batch: Batch) -> Any:
    """Queue a batch's calls on a redis-py pipeline (sync or async: queuing is the same)."""
    for call in batch.calls:
        pipeline.execute_command(*command_args(call))
    return pipeline
