"""Session stores: the contract (:class:`SessionStore`) and finding a backend by URL."""

from tether.stores.base import Capabilities, SessionStore
from tether.stores.registry import default_store_url, find_backend, open_async_store, open_store

__all__ = [
    "Capabilities",
    "SessionStore",
    "default_store_url",
    "find_backend",
    "open_async_store",
    "open_store",
]
