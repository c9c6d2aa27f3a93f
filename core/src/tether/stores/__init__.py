"""Session stores: the contract (:class:`SessionStore`) and finding a backend by URL.

Names load on first access, so importing a submodule (such as the built-in plugin module)
does not import the whole contract.
"""

from __future__ import annotations

from tether._lazy import lazy_exports

_EXPORTS = {
    "Capabilities": "tether.stores.base",
    "SessionStore": "tether.stores.base",
    "AsyncSessionStore": "tether.stores.async_base",
    "default_store_url": "tether.stores.registry",
    "find_backend": "tether.stores.registry",
    "open_async_store": "tether.stores.registry",
    "open_store": "tether.stores.registry",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
