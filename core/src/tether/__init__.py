"""tether: persistent, pluggable sessions for AI agents.

Everything public is importable from here. Names load on first access, so
``import tether`` stays fast and imports no database driver or LLM client.
"""

from __future__ import annotations

from tether._lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    # data model and errors
    "Message": "tether.models",
    "SessionInfo": "tether.models",
    "Snapshot": "tether.models",
    "Run": "tether.models",
    "Usage": "tether.models",
    "Page": "tether.models",
    "errors": "tether",
    # plugins
    "hookimpl": "tether.hookspecs",
    "get_plugin_manager": "tether.plugins",
    # stores
    "SessionStore": "tether.stores.base",
    "Capabilities": "tether.stores.base",
    "AsyncSessionStore": "tether.stores.async_base",
    "open_store": "tether.stores.registry",
    "open_async_store": "tether.stores.registry",
    # agents and sessions
    "Agent": "tether.agent",
    "MemoryConfig": "tether.config",
    "Session": "tether.session",
    "SessionManager": "tether.session",
    "get_default_session_store": "tether.facades",
    "DefaultSessionStore": "tether.facades",
    "HierarchicalSessionStore": "tether.facades",
    # language models and context
    "LLM": "tether.llm",
    "LLMResponse": "tether.llm",
    "get_llm": "tether.llm",
    "default_llm": "tether.llm",
    "count_tokens": "tether.llm.tokens",
    "select_messages": "tether.context",
}

__all__ = sorted([*_EXPORTS, "__version__"])


__getattr__ = lazy_exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return __all__
