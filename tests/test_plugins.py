"""The plugin manager: built-ins, entry points, env switches, duplicates, undecorated adapters."""

from __future__ import annotations

import sys
import warnings

import pytest

import tether
from tether.errors import UnknownBackendError
from tether.plugins import describe_plugins, get_plugin_manager, scoped_plugin_manager
from tether.stores.registry import find_backend, open_store, store_backends
from tether_testing.distributions import install_fake_distribution

PLUGIN_BODY = """
from tether import hookimpl
from tether.stores.memory import MemoryStore

class {cls}(MemoryStore):
    backend_name = "{name}"

@hookimpl
def register_session_stores(register):
    register("{name}", ("{scheme}",), lambda url, **o: {cls}(url), description="test double")
"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A directory on sys.path where tests install throwaway distributions."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("fakeplugin")]:
        del sys.modules[name]


def test_builtins_are_registered_like_plugins():
    backends = store_backends(get_plugin_manager())
    assert {"memory", "file", "sqlite"} <= set(backends)
    assert backends["sqlite"].schemes == ("sqlite",)


def test_entry_point_plugin_is_loaded_and_used(site):
    body = PLUGIN_BODY.format(cls="Example", name="example", scheme="example")
    install_fake_distribution(site, "tether-example", "example", "fakeplugin_a", body)
    pm = get_plugin_manager()
    assert pm.distributions["example"] == ("tether-example", "1.2.3")
    backend = find_backend("example://x", pm=pm)
    assert (backend.name, backend.source) == ("example", "tether-example 1.2.3")
    store = backend.factory("example://x")
    store.create_session("s")
    assert store.session_exists("s")
    rows = {row["name"]: row for row in describe_plugins(pm)}
    assert rows["example"]["provides"] == {"session_stores": ["example"]}
    assert rows["example"]["version"] == "1.2.3"


def test_disable_autoload(site, monkeypatch):
    body = PLUGIN_BODY.format(cls="Example", name="example", scheme="example")
    install_fake_distribution(site, "tether-example", "example", "fakeplugin_b", body)
    monkeypatch.setenv("TETHER_DISABLE_PLUGIN_AUTOLOAD", "1")
    pm = get_plugin_manager()
    assert "example" not in store_backends(pm)
    assert "memory" in store_backends(pm)


def test_load_only_named_plugins(site, monkeypatch):
    for n in ("one", "two"):
        body = PLUGIN_BODY.format(cls=f"S{n}", name=n, scheme=n)
        install_fake_distribution(site, f"tether-{n}", n, f"fakeplugin_{n}", body)
    monkeypatch.setenv("TETHER_LOAD_PLUGINS", "tether-two")
    backends = store_backends(get_plugin_manager())
    assert "two" in backends and "one" not in backends


def test_two_plugins_claiming_one_backend_name_warn_with_both_names(site):
    body_a = PLUGIN_BODY.format(cls="A", name="dup", scheme="dupa")
    body_b = PLUGIN_BODY.format(cls="B", name="dup", scheme="dupb")
    install_fake_distribution(site, "tether-dup-a", "dup_a", "fakeplugin_dupa", body_a)
    install_fake_distribution(site, "tether-dup-b", "dup_b", "fakeplugin_dupb", body_b)
    pm = get_plugin_manager()
    with pytest.warns(UserWarning, match="tether-dup-a.*tether-dup-b|tether-dup-b.*tether-dup-a"):
        backends = store_backends(pm)
    assert backends["dup"].source in ("tether-dup-a 1.2.3", "tether-dup-b 1.2.3")


def test_two_entry_points_with_the_same_name_warn(site):
    body = PLUGIN_BODY.format(cls="X", name="same", scheme="same")
    install_fake_distribution(site, "tether-same-a", "same", "fakeplugin_samea", body)
    install_fake_distribution(site, "tether-same-b", "same", "fakeplugin_sameb", body)
    with pytest.warns(UserWarning, match="two installed plugins claim the name 'same'"):
        pm = get_plugin_manager()
    assert "same" in store_backends(pm)


def test_plain_object_with_adapter_methods_is_a_plugin():
    calls = []

    class Adapter:
        def on_user_message(self, session_id, content, metadata=None):
            calls.append((session_id, content))

        def unrelated(self):
            raise AssertionError("not a hook")

    pm = scoped_plugin_manager(Adapter())
    pm.hook.on_user_message(session_id="s", content="hi", metadata=None)
    assert calls == [("s", "hi")]


def test_decorated_global_plugin_sees_events_through_scoped_manager():
    seen = []

    class Observer:
        @tether.hookimpl
        def on_agent_message(self, session_id, content, metadata):
            seen.append(content)

    pm = tether.plugins.plugin_manager()
    observer = Observer()
    pm.register(observer)
    try:
        scoped_plugin_manager().hook.on_agent_message(session_id="s", content="x", metadata={})
    finally:
        pm.unregister(observer)
    assert seen == ["x"]


def test_unknown_scheme_names_installed_backends_and_the_missing_package(monkeypatch):
    monkeypatch.setenv("TETHER_DISABLE_PLUGIN_AUTOLOAD", "1")
    builtins_only = get_plugin_manager()
    with pytest.raises(UnknownBackendError) as caught:
        find_backend("redis://:secret@localhost:6379/0", pm=builtins_only)
    text = str(caught.value)
    assert "secret" not in text
    assert "memory (memory://)" in text and "sqlite (sqlite://)" in text
    assert "pip install tether-redis" in text
    with pytest.raises(UnknownBackendError, match="not a store URL"):
        open_store("no-scheme-here")
    with pytest.raises(UnknownBackendError, match="backend 'nosuch'"):
        open_store(backend="nosuch")


def test_import_tether_loads_no_plugin_or_driver():
    import subprocess

    code = (
        "import sys, tether; heavy = {'psycopg', 'redis', 'pymongo', 'openai', 'pluggy', "
        "'sqlite3', 'tether.plugins'} & set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_warnings_are_not_raised_for_a_clean_install():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store_backends(get_plugin_manager())


def test_a_plugin_that_fails_to_import_is_reported_and_skipped(site):
    install_fake_distribution(site, "tether-broken", "broken", "fakeplugin_broken", "1/0\n")
    with pytest.warns(UserWarning, match="'broken' from tether-broken failed to load"):
        pm = get_plugin_manager()
    assert "memory" in store_backends(pm)
    rows = {row["name"]: row for row in describe_plugins(pm)}
    assert "ZeroDivisionError" in rows["broken"]["error"]


def test_commands_with_one_name_under_two_groups_are_both_kept():
    class Commands:
        @tether.hookimpl
        def register_commands(self, register):
            register("status", parent="db")
            register("status", parent="session")

    pm = get_plugin_manager(load_entry_points=False)
    pm.register(Commands())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = pm.collect("register_commands")
    assert {"db status", "session status"} <= set(found)


def test_adapter_methods_with_defaults_receive_every_argument():
    received = {}

    class Adapter:
        def on_agent_start(self, agent_name, session_id, user_id=None, metadata=None):
            received.update(agent_name=agent_name, user_id=user_id, metadata=metadata)
            return [{"role": "user", "content": "earlier"}]

        def on_agent_message(self, session_id, **rest):
            received.update(rest)

    pm = scoped_plugin_manager(Adapter())
    result = pm.hook.on_agent_start(agent_name="a", session_id="s", user_id="u", metadata={"m": 1})
    pm.hook.on_agent_message(session_id="s", content="reply", metadata=None)
    assert result == [[{"role": "user", "content": "earlier"}]]
    assert received == {"agent_name": "a", "user_id": "u", "metadata": None, "content": "reply"}
