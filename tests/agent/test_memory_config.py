"""How Agent(memory=...) is read into a MemoryConfig."""

from __future__ import annotations

import pytest

from tether import Agent, MemoryConfig
from tether.config import resolve_memory
from tether.errors import ConfigurationError, InvalidInputError, InvalidSessionIdError


def test_none_and_true_keep_history_in_process_only():
    for value in (None, True):
        config = resolve_memory(value)
        assert config.history is True
        assert not config.persistent
        store, owned = config.open_store()
        assert store.backend_name == "memory" and owned


def test_false_sends_no_history():
    config = resolve_memory(False)
    assert config.history is False and not config.persistent


def test_dict_becomes_a_persistent_config():
    config = resolve_memory({"session_id": "s1", "db": "memory://x", "max_messages": 4})
    assert config == MemoryConfig(session_id="s1", db="memory://x", max_messages=4)
    assert config.persistent


def test_unknown_dict_keys_are_named():
    with pytest.raises(ConfigurationError, match="'sesion_id'"):
        resolve_memory({"sesion_id": "s1"})


def test_other_types_are_refused():
    with pytest.raises(ConfigurationError, match="memory="):
        resolve_memory("s1")


def test_auto_save_names_the_session():
    config = MemoryConfig(auto_save="my-chat")
    assert config.name == "my-chat" and config.persistent
    with pytest.raises(ConfigurationError, match="one session name"):
        MemoryConfig(session_id="a", auto_save="b")


@pytest.mark.parametrize("bad", ["../etc/passwd", "", "a/b", "x\n"])
def test_bad_session_ids_fail_before_anything_is_stored(bad):
    with pytest.raises(InvalidSessionIdError):
        Agent("A", memory={"session_id": bad})


@pytest.mark.parametrize("field", ["max_messages", "max_tokens", "ttl"])
def test_negative_limits_are_refused(field):
    with pytest.raises(InvalidInputError, match=field):
        MemoryConfig(**{field: -1})


def test_store_and_db_exclude_each_other():
    from tether.stores.memory import MemoryStore

    with pytest.raises(ConfigurationError, match="store="):
        MemoryConfig(store=MemoryStore(), db="memory://")


def test_backend_name_picks_the_backend():
    store, _ = MemoryConfig(session_id="s", backend="memory", db="memory://named").open_store()
    assert store.backend_name == "memory"
    with pytest.raises(ConfigurationError, match="no installed backend"):
        MemoryConfig(session_id="s", backend="nosuch").open_store()


def test_memory_of_a_session_id_alone_uses_the_default_file_store(isolated_home):
    store, owned = MemoryConfig(session_id="s").open_store()
    assert store.backend_name == "file" and owned
    store.close()
