"""Finding a store backend by URL scheme or by name, through the plugin manager."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tether.errors import UnknownBackendError
from tether.plugins import TetherPluginManager, plugin_manager
from tether.stores.base import SessionStore
from tether.stores.url import mask_url, scheme_of

KNOWN_PROVIDERS = {
    "postgresql": "tether-postgres",
    "postgres": "tether-postgres",
    "redis": "tether-redis",
    "rediss": "tether-redis",
    "unix": "tether-redis",
    "mongodb": "tether-mongodb",
    "mongodb+srv": "tether-mongodb",
    "mongo": "tether-mongodb",
}
"""Schemes and names of the plugins this project publishes, for a helpful error."""


@dataclass(frozen=True)
class StoreBackend:
    """A registered store backend."""

    name: str
    schemes: tuple[str, ...]
    factory: Callable[..., SessionStore]
    description: str
    source: str


def store_backends(pm: TetherPluginManager | None = None) -> dict[str, StoreBackend]:
    """Every installed store backend, by name."""
    pm = pm or plugin_manager()
    backends = {}
    for reg in pm.collect("register_session_stores").values():
        name, schemes, factory = reg.args[:3]
        schemes = (schemes,) if isinstance(schemes, str) else tuple(schemes)
        description = reg.kwargs.get("description", "")
        backends[name] = StoreBackend(name, schemes, factory, description, reg.source)
    return backends


def tether_home() -> Path:
    """Where tether keeps local data: ``$TETHER_HOME`` or ``~/.tether``."""
    return Path(os.environ.get("TETHER_HOME") or Path.home() / ".tether").expanduser()


def default_store_url() -> str:
    """The URL of the default store: the file store under ``tether_home()/sessions``."""
    return (tether_home() / "sessions").resolve().as_uri()


def find_backend(
    url: str | None = None, backend: str | None = None, pm: TetherPluginManager | None = None
) -> StoreBackend:
    """The backend named ``backend``, else the one handling ``url``'s scheme."""
    backends = store_backends(pm)
    if backend is not None:
        if backend in backends:
            return backends[backend]
        raise UnknownBackendError(_unknown("backend", backend, backends))
    scheme = scheme_of(url or "")
    for candidate in backends.values():
        if scheme in candidate.schemes:
            return candidate
    if not scheme:
        raise UnknownBackendError(
            f"{mask_url(url or '')!r} is not a store URL (expected scheme://...); "
            f"installed schemes: {', '.join(_schemes(backends))}"
        )
    raise UnknownBackendError(_unknown("URL scheme", scheme, backends))


def _schemes(backends: dict[str, StoreBackend]) -> list[str]:
    return sorted(f"{s}://" for b in backends.values() for s in b.schemes)


def _unknown(what: str, value: str, backends: dict[str, StoreBackend]) -> str:
    message = f"no installed backend handles {what} {value!r}. Installed backends: " + ", ".join(
        f"{b.name} ({', '.join(s + '://' for s in b.schemes)})" for b in backends.values()
    )
    if value in KNOWN_PROVIDERS:
        package = KNOWN_PROVIDERS[value]
        message += f". {value!r} is provided by the {package} package: pip install {package}"
    return message


def open_store(
    url: str | None = None, *, backend: str | None = None, **options: Any
) -> SessionStore:
    """Open a session store by URL (``sqlite:///x.db``, ``postgresql://...``, ``memory://``)
    or by backend name; with neither, the default file store. Options go to the backend."""
    if url is None and backend is None:
        url = default_store_url()
    found = find_backend(url, backend)
    return found.factory(url, **options)


def open_async_store(url: str | None = None, *, backend: str | None = None, **options: Any):
    """The async twin of :func:`open_store` (``open_store(...).aio``)."""
    return open_store(url, backend=backend, **options).aio
