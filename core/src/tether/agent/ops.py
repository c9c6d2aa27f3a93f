"""Running the same turn logic synchronously or asynchronously.

A turn is written once as a generator that *yields* :class:`Op` objects (store reads and
writes, model calls, tool calls) and receives their results. :func:`drive_sync` performs
each op with blocking calls; :func:`drive_async` awaits the async variant (``store.aio``,
``llm.acomplete``), falling back to a worker thread when an op has none. An op's exception
is thrown back into the generator, so ``try``/``except`` in the turn works in both modes.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from tether.steps import advance

T = TypeVar("T")
Steps = Generator["Op", Any, T]


@dataclass(frozen=True)
class Op:
    """One side effect: ``sync()`` performs it blocking, ``async_()`` returns an awaitable."""

    sync: Callable[[], Any]
    async_: Callable[[], Awaitable[Any]] | None = None
    blocking: bool = True
    """Run ``sync`` in a worker thread when driven asynchronously without ``async_``."""


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Op:
    """An op calling ``fn``; awaited directly if ``fn`` is a coroutine function."""
    if inspect.iscoroutinefunction(fn):
        return Op(lambda: _run(fn(*args, **kwargs)), lambda: fn(*args, **kwargs))
    return Op(lambda: fn(*args, **kwargs))


def _run(coroutine: Awaitable[Any]) -> Any:
    import asyncio  # only when an async tool is called from sync code

    return asyncio.run(coroutine)  # type: ignore[arg-type]


def inline(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Op:
    """An op that is cheap or not thread-safe: called in place in both modes."""
    return Op(lambda: fn(*args, **kwargs), blocking=False)


def store_op(store: Any, method: str, *args: Any, **kwargs: Any) -> Op:
    """Call ``store.<method>`` (sync) or ``store.aio.<method>`` (async)."""
    return Op(
        lambda: getattr(store, method)(*args, **kwargs),
        lambda: getattr(store.aio, method)(*args, **kwargs),
    )


def drive_sync(steps: Steps[T]) -> T:
    """Run a turn generator to the end with blocking calls; return its value."""
    value: Any = None
    error: BaseException | None = None
    while True:
        done, op = advance(steps, value, error)
        if done:
            return op
        try:
            value, error = op.sync(), None
        except Exception as exc:
            value, error = None, exc


async def drive_async(steps: Steps[T]) -> T:
    """Run a turn generator to the end, awaiting each op; return its value."""
    import asyncio  # already loaded: this runs inside an event loop

    value: Any = None
    error: BaseException | None = None
    while True:
        done, op = advance(steps, value, error)
        if done:
            return op
        try:
            if op.async_ is not None:
                value = await op.async_()
            elif op.blocking:
                value = await asyncio.to_thread(op.sync)
            else:
                value = op.sync()
            error = None
        except Exception as exc:
            value, error = None, exc
