"""DbAdapter events: ``on_agent_start``, ``on_user_message``, ``on_agent_message``.

They are pluggy hooks. Globally installed plugins see every agent's events; an object
passed as ``Agent(db=adapter)`` sees only that agent's. The adapter's methods are plain
(no decorators) and may give ``user_id`` and ``metadata`` default values, as the DbAdapter
protocol does; pluggy does not pass arguments that have defaults, so the adapter is
registered through a small proxy that forwards every argument its methods accept.
"""

from __future__ import annotations

import inspect
from typing import Any

from tether.errors import ConfigurationError
from tether.hookspecs import ADAPTER_HOOKS
from tether.plugins import TetherPluginManager, plugin_manager, scoped_plugin_manager


class _AdapterProxy:
    """Forwards the hooks an adapter implements, with every argument its method accepts."""

    def __init__(self, adapter: object) -> None:
        self._adapter = adapter

    def __repr__(self) -> str:
        return f"<DbAdapter {self._adapter!r}>"

    def _forward(self, hook: str, **kwargs: Any) -> Any:
        method = getattr(self._adapter, hook)
        params = inspect.signature(method).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            kwargs = {k: v for k, v in kwargs.items() if k in params}
        return method(**kwargs)

    def on_agent_start(
        self, agent_name: str, session_id: str | None, user_id: str | None, metadata: Any
    ) -> Any:
        return self._forward(
            "on_agent_start",
            agent_name=agent_name,
            session_id=session_id,
            user_id=user_id,
            metadata=metadata,
        )

    def on_user_message(self, session_id: str | None, content: Any, metadata: Any) -> Any:
        return self._forward(
            "on_user_message", session_id=session_id, content=content, metadata=metadata
        )

    def on_agent_message(self, session_id: str | None, content: Any, metadata: Any) -> Any:
        return self._forward(
            "on_agent_message", session_id=session_id, content=content, metadata=metadata
        )


def _proxy_for(adapter: object) -> object:
    hooks = [h for h in ADAPTER_HOOKS if callable(getattr(adapter, h, None))]
    if not hooks:
        raise ConfigurationError(
            f"Agent(db=...) takes a DbAdapter: an object with any of {', '.join(ADAPTER_HOOKS)}; "
            f"{type(adapter).__name__} has none (to pick a store, use memory={{'db': URL}})"
        )
    # Only the hooks the adapter has, so pluggy never calls a missing one.
    namespace = {h: getattr(_AdapterProxy, h) for h in hooks}
    return type("DbAdapterProxy", (_AdapterProxy,), {h: None for h in ADAPTER_HOOKS} | namespace)(
        adapter
    )


class AgentEvents:
    """Calls an agent's event hooks on the global plugins plus its own adapter."""

    def __init__(self, adapter: object | None) -> None:
        self._proxy = _proxy_for(adapter) if adapter is not None else None
        self._pm: TetherPluginManager | None = None

    @property
    def pm(self) -> TetherPluginManager:
        if self._pm is None:
            self._pm = (
                scoped_plugin_manager(self._proxy) if self._proxy is not None else plugin_manager()
            )
        return self._pm

    def agent_start(
        self, agent_name: str, session_id: str, user_id: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The first non-empty list of earlier messages a hook returned (else [])."""
        results = self.pm.hook.on_agent_start(
            agent_name=agent_name, session_id=session_id, user_id=user_id, metadata=metadata
        )
        for result in results:
            if result:
                return list(result)
        return []

    def user_message(self, session_id: str, content: Any, metadata: dict[str, Any]) -> None:
        self.pm.hook.on_user_message(session_id=session_id, content=content, metadata=metadata)

    def agent_message(self, session_id: str, content: Any, metadata: dict[str, Any]) -> None:
        self.pm.hook.on_agent_message(session_id=session_id, content=content, metadata=metadata)
