"""The plugin manager: hook specs, built-in plugins and entry points of group ``tether``.

:func:`get_plugin_manager` builds a fresh manager (tests use it to stay isolated);
:func:`plugin_manager` returns the process-wide one, built on first use, so importing
``tether`` loads no plugin. Environment switches:

* ``TETHER_DISABLE_PLUGIN_AUTOLOAD=1``: load no entry points (built-ins still load).
* ``TETHER_LOAD_PLUGINS=a,b``: load only these entry points (by entry point or
  distribution name).
"""

from __future__ import annotations

import importlib
import inspect
import os
import warnings
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from tether import hookspecs
from tether.errors import PluginError

ENTRY_POINT_GROUP = "tether"
BUILTIN_PLUGINS = ("tether.stores.builtin", "tether.llm.builtin", "tether.cli.builtin")
"""Modules registered as plugins in every manager, exactly like entry points are."""


class PluginLoadWarning(UserWarning):
    """An installed plugin failed to import; tether carries on without it."""


class TetherPluginManager(pluggy.PluginManager):
    """A pluggy manager that also accepts undecorated DbAdapter methods as hooks."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        self.distributions: dict[str, tuple[str, str]] = {}
        """plugin name -> (distribution, version) for plugins loaded from entry points."""
        self.failures: dict[str, str] = {}
        """entry point name -> why it failed to load (it is skipped, with a warning)."""
        self._collected: dict[str, dict[str, Registered]] = {}

    def parse_hookimpl_opts(self, plugin: object, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)
        is_adapter_method = name in hookspecs.ADAPTER_HOOKS and callable(
            getattr(plugin, name, None)
        )
        return {} if opts is None and is_adapter_method else opts

    def source_of(self, plugin: object) -> str:
        """A human name for where a plugin comes from: its distribution, or its name."""
        name = self.get_name(plugin) or repr(plugin)
        dist = self.distributions.get(name)
        return f"{dist[0]} {dist[1]}" if dist else name

    def collect(self, hook: str) -> dict[str, Registered]:
        """Everything registered through ``register_*`` hook ``hook``, by name (cached)."""
        if hook not in self._collected:
            self._collected[hook] = _collect(self, hook)
        return self._collected[hook]

    def register(self, plugin: object, name: str | None = None) -> str | None:
        self._collected.clear()
        registered = super().register(plugin, name)
        self._pass_defaulted_arguments(plugin)
        return registered

    def _pass_defaulted_arguments(self, plugin: object) -> None:
        """pluggy leaves out parameters that have defaults; a DbAdapter written as
        ``on_agent_start(self, agent_name, session_id, user_id=None, metadata=None)`` must
        still receive ``user_id`` and ``metadata``, so its event hooks get every argument of
        the spec that the method accepts."""
        for hook in hookspecs.ADAPTER_HOOKS:
            caller = getattr(self.hook, hook)
            for impl in caller.get_hookimpls():
                if impl.plugin is not plugin:
                    continue
                params = inspect.signature(impl.function).parameters
                takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
                spec_args = caller.spec.argnames if caller.spec else ()
                impl.argnames = tuple(a for a in spec_args if takes_any or a in params)
                impl.kwargnames = ()
                impl.function = _keyword_call(impl.function, impl.argnames)

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any:
        self._collected.clear()
        return super().unregister(plugin, name)


def _keyword_call(method: Any, names: tuple[str, ...]) -> Any:
    """pluggy passes hook arguments by position; call ``method`` by keyword instead."""

    def call(*args: Any) -> Any:
        return method(**dict(zip(names, args, strict=True)))

    return call


@dataclass
class Registered:
    """One thing a plugin registered: its ``name``, the call's other arguments, its source."""

    name: str
    source: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


def _collect(pm: TetherPluginManager, hook: str) -> dict[str, Registered]:
    found: dict[str, Registered] = {}
    caller = getattr(pm.hook, hook)
    # get_hookimpls() lists plugins in registration order: built-ins first, so they win.
    for impl in caller.get_hookimpls():
        source = pm.source_of(impl.plugin)

        def register(name: Any, *args: Any, _source: str = source, **kwargs: Any) -> None:
            key = name if isinstance(name, str) else getattr(name, "name", repr(name))
            if kwargs.get("parent"):
                key = f"{kwargs['parent']} {key}"
            if key in found:
                warnings.warn(
                    f"{hook}: {key!r} is registered by both {found[key].source} and "
                    f"{_source}; using the one from {found[key].source}",
                    stacklevel=2,
                )
                return
            found[key] = Registered(key, _source, (name, *args), kwargs)

        try:
            impl.function(register=register)
        except Exception as exc:
            raise PluginError(f"plugin {source} failed in {hook}: {exc}") from exc
    return found


def get_plugin_manager(*, load_entry_points: bool = True) -> TetherPluginManager:
    """A new plugin manager with the built-ins and (unless disabled) the installed plugins."""
    pm = TetherPluginManager()
    for module_name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
    if load_entry_points and not _env_flag("TETHER_DISABLE_PLUGIN_AUTOLOAD"):
        _load_entry_points(pm, _wanted_plugins())
    return pm


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _wanted_plugins() -> set[str] | None:
    raw = os.environ.get("TETHER_LOAD_PLUGINS")
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def _load_entry_points(pm: TetherPluginManager, wanted: set[str] | None) -> None:
    claimed: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "unknown distribution"
        version = ep.dist.version if ep.dist else "?"
        if wanted is not None and ep.name not in wanted and dist not in wanted:
            continue
        if ep.name in claimed:
            warnings.warn(
                f"two installed plugins claim the name {ep.name!r}: {claimed[ep.name]} and "
                f"{dist}; loading only {claimed[ep.name]}",
                stacklevel=3,
            )
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            # One broken plugin must not take the others (or the CLI) down with it.
            pm.failures[ep.name] = f"{dist} {version}: {type(exc).__name__}: {exc}"
            warnings.warn(
                f"plugin {ep.name!r} from {dist} failed to load and is skipped: {exc}",
                PluginLoadWarning,
                stacklevel=3,
            )
            continue
        claimed[ep.name] = dist
        pm.register(plugin, name=ep.name)
        pm.distributions[ep.name] = (dist, version)
    for name in (wanted or set()) - set(claimed) - {d for d, _ in pm.distributions.values()}:
        warnings.warn(f"TETHER_LOAD_PLUGINS names {name!r}, which is not installed", stacklevel=3)


_shared: TetherPluginManager | None = None


def plugin_manager() -> TetherPluginManager:
    """The process-wide plugin manager, built on first use."""
    global _shared
    if _shared is None:
        _shared = get_plugin_manager()
    return _shared


def reset_plugin_manager() -> None:
    """Forget the process-wide manager (the next use builds a new one). For tests."""
    global _shared
    _shared = None


def scoped_plugin_manager(*extra: object) -> TetherPluginManager:
    """A manager holding the process-wide plugins plus ``extra`` ones (such as an agent's
    DbAdapter), so hooks called on it reach both."""
    shared = plugin_manager()
    pm = TetherPluginManager()
    pm.distributions = dict(shared.distributions)
    for name, plugin in shared.list_name_plugin():
        if plugin is not None:
            pm.register(plugin, name=name)
    for plugin in extra:
        pm.register(plugin)
    return pm


def describe_plugins(pm: TetherPluginManager | None = None) -> list[dict[str, Any]]:
    """For ``tether plugins``: each plugin, its version, hooks and what it registers."""
    pm = pm or plugin_manager()
    rows = []
    register_hooks = [h for h in dir(hookspecs) if h.startswith("register_")]
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = pm.distributions.get(name)
        provides: dict[str, list[str]] = {}
        for hook in register_hooks:
            names = [r.name for r in pm.collect(hook).values() if r.source == pm.source_of(plugin)]
            if names:
                provides[hook.removeprefix("register_")] = sorted(names)
        rows.append(
            {
                "name": name,
                "distribution": dist[0] if dist else "tether (built-in)",
                "version": dist[1] if dist else _core_version(),
                "hooks": sorted(impl.name for impl in pm.get_hookcallers(plugin) or []),
                "provides": provides,
            }
        )
    for name, why in pm.failures.items():
        rows.append(
            {
                "name": name,
                "distribution": why.split(" ", 1)[0],
                "version": "?",
                "hooks": [],
                "provides": {},
                "error": why,
            }
        )
    return rows


def _core_version() -> str:
    from tether import __version__

    return __version__
