"""Packaging and registration: the entry point is found and the store opens by URL."""

from __future__ import annotations

import pytest

import tether
from tether.errors import InvalidInputError
from tether.stores.registry import find_backend, store_backends
from tether_testing.lazy import modules_imported_by_plugin_loading


def test_entry_point_registers_the_backend():
    backends = store_backends(tether.get_plugin_manager())
    assert backends["example"].schemes == ("example",)
    assert backends["example"].source.startswith("tether-example ")


def test_open_store_by_url_and_by_name(example_url):
    from tether_example.store import ExampleStore

    assert isinstance(tether.open_store(example_url), ExampleStore)
    assert find_backend(backend="example").name == "example"


def test_same_name_shares_data_other_names_and_memory_do_not(example_url):
    name = example_url.removeprefix("example://")
    with tether.open_store(example_url) as first:
        first.create_session("s1")
        first.append_message("s1", {"role": "user", "content": "hi"})
    with tether.open_store(example_url) as again:
        assert [m.content for m in again.get_messages("s1")] == ["hi"]
    with tether.open_store(f"memory://{name}") as memory:
        assert not memory.session_exists("s1")


@pytest.mark.parametrize("how", ["query", "keyword"])
def test_unknown_option_is_named(example_url, how):
    with pytest.raises(InvalidInputError, match="colour"):
        if how == "query":
            tether.open_store(example_url + "?colour=red")
        else:
            tether.open_store(example_url, colour="red")


def test_loading_the_plugin_does_not_import_the_store_module():
    assert modules_imported_by_plugin_loading(["tether_example.store"]) == []
