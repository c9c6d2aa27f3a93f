"""DbAdapter events: ``on_agent_start``, ``on_user_message``, ``on_agent_message``.

They are pluggy hooks. Globally installed plugins see every agent's events; an object
passed as ``Agent(db=adapter)`` sees only that agent's. The adapter's methods are plain
(no decorators) and may give ``user_id`` and ``metadata`` default values, as the DbAdapter
protocol does (the plugin manager passes them anyway).
"""

from __future__ import annotations

from typing import Any

from tether.errors import ConfigurationError
from tether.hookspecs import ADAPTER_HOOKS
from tether.plugins import TetherPluginManager, plugin_manager, scoped_plugin_manager


def _check_adapter(adapter: object) -> object:
    if not any(callable(getattr(adapter, h, None)) for h in ADAPTER_HOOKS):
        raise ConfigurationError(
            f"Agent(db=...) takes a DbAdapter: an object with any of {', '.join(ADAPTER_HOOKS)}; "
            f"{type(adapter).__name__} has none (to pick a store, use memory={{'db': URL}})"
        )
    return adapter


class AgentEvents:
    """Calls an agent's event hooks on the global plugins plus its own adapter."""

    def __init__(self, adapter: object | None) -> None:
        self._adapter = _check_adapter(adapter) if adapter is not None else None
        self._pm: TetherPluginManager | None = None

    @property
    def pm(self) -> TetherPluginManager:
        if self._pm is None:
            self._pm = (
                scoped_plugin_manager(self._adapter)
                if self._adapter is not None
                else plugin_manager()
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
