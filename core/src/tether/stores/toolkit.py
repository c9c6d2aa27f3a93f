"""Small helpers for backend authors, so every backend behaves the same way."""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable, Mapping
from typing import Any

from tether.errors import InvalidInputError
from tether.stores._prepare import SNAPSHOT
from tether.stores.async_base import AsyncSessionStore

RECORD_ID_FIELDS = {SNAPSHOT: "snapshot_id", "run": "run_id"}
"""The field holding a record's id, by record kind."""


def record_id(kind: str, record: dict[str, Any]) -> str:
    """The id of a snapshot or run record (as found in an export)."""
    return str(record[RECORD_ID_FIELDS[kind]])


def incremented(state: dict[str, Any], name: str, amount: int | float) -> int | float:
    """``state[name] + amount`` (a missing key counts as 0); refuses a non-number."""
    current = state.get(name, 0)
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise InvalidInputError(f"state[{name!r}] is not a number: {current!r}")
    return current + amount


def bind_operations(
    cls: type, operations: Mapping[str, Callable[..., Any]], *, deferred: bool = False
) -> None:
    """Implement a store class's primitives from backend *operations*.

    A backend can write each primitive once, as an operation (for example a generator that
    yields requests and receives replies), and run it from a sync and an async store class
    that only know how to send requests. For every ``name`` in ``operations`` that ``cls``
    does not define itself, ``cls.name(*args, **kwargs)`` becomes
    ``self._run(operation(*self._operation_args(), *args, **kwargs))``, awaited when ``cls``
    is an :class:`~tether.stores.async_base.AsyncSessionStore`. ``_operation_args`` is
    optional: define it to pass a context (a key prefix, prepared queries) to every
    operation. With ``deferred=True``,
    ``_run`` receives a zero-argument callable that builds the operation instead, so it can
    build it again to retry.
    """
    is_async = issubclass(cls, AsyncSessionStore)
    for name, operation in operations.items():
        if name not in vars(cls):
            setattr(cls, name, _primitive(name, operation, is_async, deferred))
    abc.update_abstractmethods(cls)


def _primitive(name: str, operation: Callable[..., Any], is_async: bool, deferred: bool) -> Any:
    def prepare(store: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        context = store._operation_args() if hasattr(store, "_operation_args") else ()
        bound = functools.partial(operation, *context, *args, **kwargs)
        return bound if deferred else bound()

    if is_async:

        async def primitive(self: Any, *args: Any, **kwargs: Any) -> Any:
            return await self._run(prepare(self, args, kwargs))

    else:

        def primitive(self: Any, *args: Any, **kwargs: Any) -> Any:
            return self._run(prepare(self, args, kwargs))

    primitive.__name__ = primitive.__qualname__ = name
    return primitive
