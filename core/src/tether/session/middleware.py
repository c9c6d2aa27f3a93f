"""Session middleware: ``fn(message, response) -> response``, applied in order to replies.

``Session(middleware=[...])`` takes functions, or names registered by plugins through the
``register_middleware`` hook. Middleware shapes what the caller gets back; the stored reply
is the model's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tether.errors import ConfigurationError

Middleware = Callable[[Any, str], str]


def resolve_middleware(items: Iterable[Middleware | str] | None) -> list[Middleware]:
    """The functions for ``items`` (names are looked up among installed plugins)."""
    if items is None:
        return []
    if isinstance(items, str) or callable(items):
        items = [items]
    resolved = []
    for item in items:
        if isinstance(item, str):
            resolved.append(_named(item))
        elif callable(item):
            resolved.append(item)
        else:
            raise ConfigurationError(
                f"middleware must be a function or a registered name, not {type(item).__name__}"
            )
    return resolved


def _named(name: str) -> Middleware:
    from tether.plugins import plugin_manager

    registered = plugin_manager().collect("register_middleware")
    if name not in registered:
        known = ", ".join(sorted(registered)) or "none"
        raise ConfigurationError(
            f"no middleware named {name!r} is installed (registered middleware: {known})"
        )
    args = registered[name].args
    if len(args) < 2 or not callable(args[1]):
        raise ConfigurationError(f"middleware {name!r} was registered without a function")
    return args[1]
