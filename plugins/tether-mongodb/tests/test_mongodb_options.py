"""Packaging and options: the entry point, lazy imports, URL and keyword options,
transaction detection."""

from __future__ import annotations

import pytest

import tether
from tether.errors import ConfigurationError
from tether.stores.registry import find_backend
from tether_mongodb.config import parse
from tether_mongodb.store import MongoStore
from tether_testing.lazy import modules_imported_by_plugin_loading


def test_the_entry_point_handles_both_schemes():
    for url in ("mongodb://h/db", "mongodb+srv://user:pw@cluster.example.net/db"):
        backend = find_backend(url)
        assert backend.name == "mongodb" and "tether-mongodb" in backend.source


def test_loading_the_plugin_does_not_import_pymongo():
    assert modules_imported_by_plugin_loading(["pymongo", "bson"]) == []


def test_open_by_backend_name(mongo_url):
    with tether.open_store(mongo_url, backend="mongodb") as store:
        assert isinstance(store, MongoStore) and store.backend_name == "mongodb"
        assert store.capabilities.native_async and not store.capabilities.absent()


@pytest.mark.parametrize(
    ("url", "options", "database"),
    [
        ("mongodb://h", {}, "tether"),
        ("mongodb://h/", {}, "tether"),
        ("mongodb://h/app", {}, "app"),
        ("mongodb://h/?database=app", {}, "app"),
        ("mongodb://h", {"database": "app"}, "app"),
        ("mongodb://h/app?database=app", {}, "app"),
        ("mongodb+srv://u:p@cluster.example.net/app?retryWrites=true", {}, "app"),
    ],
)
def test_database_name(url, options, database):
    assert parse(url, options).database == database


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("mongodb://h/one?database=two", {}),
        ("mongodb://h/one", {"database": "two"}),
        ("mongodb://h/bad.name", {}),
        ("mongodb://h/?database=a$b", {}),
        ("mongodb://h/" + "x" * 64, {}),
        ("mongodb://h/app?bulk_write=maybe", {}),
        ("mongodb://h/app?reap_after=-1", {}),
        ("postgresql://h/app", {}),
    ],
)
def test_bad_options_are_configuration_errors(url, options):
    with pytest.raises(ConfigurationError):
        parse(url, options)


def test_tether_options_are_taken_out_and_driver_options_kept():
    config = parse(
        "mongodb://u:secret@h1:1,h2:2/app?replicaSet=rs&bulk_write=false&reap_after=5"
        "&serverSelectionTimeoutMS=100",
        {"maxPoolSize": 7},
    )
    assert config.client_url == (
        "mongodb://u:secret@h1:1,h2:2/app?replicaSet=rs&serverSelectionTimeoutMS=100"
    )
    assert (config.bulk_write, config.reap_after) == (False, 5)
    assert config.client_options == {"appname": "tether", "maxPoolSize": 7}
    assert "secret" not in config.where and "u:***@" in config.where


def test_an_unknown_driver_option_is_a_configuration_error(mongo_url):
    with pytest.raises(ConfigurationError, match="no_such_option"):
        tether.open_store(mongo_url, no_such_option=1)


def test_bulk_write_is_detected_and_can_be_turned_off(mongo_url, command_log):
    with tether.open_store(mongo_url, event_listeners=[command_log]) as store:
        assert store.bulk_write is True
        store.create_session("s1")
        store.append_message("s1", {"role": "user", "content": "a"})
        command_log.commands.clear()
        store.append_message("s1", {"role": "user", "content": "b"})
        assert [name for name, _ in command_log.commands] == ["bulkWrite"]
    with tether.open_store(mongo_url + "&bulk_write=false", event_listeners=[command_log]) as store:
        assert store.bulk_write is False
        store.append_message("s1", {"role": "user", "content": "c"})
        command_log.commands.clear()
        store.append_message("s1", {"role": "user", "content": "d"})
        assert [name for name, _ in command_log.commands] == ["insert", "update"]
        assert [m.content for m in store.get_messages("s1")] == ["a", "b", "c", "d"]


def test_a_standalone_server(standalone_url):
    with tether.open_store(standalone_url) as store:
        store.create_session("s1")
        store.append_messages("s1", [{"role": "user", "content": str(i)} for i in range(6)])
        snap = store.create_snapshot("s1")
        store.append_message("s1", {"role": "user", "content": "6"})
        fork = store.fork_session("s1", position=4)
        store.revert_to_snapshot("s1", snap.snapshot_id)
        store.trim_messages("s1", 4)
        assert [m.content for m in store.get_messages("s1")] == ["2", "3", "4", "5"]
        assert store.append_message("s1", {"role": "user", "content": "x"}).index == 6
        assert [m.content for m in store.get_messages(fork.session_id)] == ["0", "1", "2", "3"]
        assert store.clear_messages("s1") == 5 and store.count_messages("s1") == 0
