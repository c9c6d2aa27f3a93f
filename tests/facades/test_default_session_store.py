"""get_default_session_store(): chat history by session id, on every backend."""

from __future__ import annotations

import threading

import pytest

from tether import get_default_session_store, open_store
from tether.errors import InvalidMessageError, InvalidSessionIdError
from tether.facades import DefaultSessionStore
from tether.stores.registry import default_store_url

TOOL_CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


@pytest.fixture
def facade(store_url):
    with DefaultSessionStore(store_url) as facade:
        yield facade


def test_messages_round_trip_with_tool_calls(facade):
    facade.add_user_message("session-123", "Hello!")
    facade.add_message("session-123", "assistant", None, tool_calls=[TOOL_CALL])
    facade.add_message("session-123", "tool", "42", tool_call_id="c1", metadata={"ms": 3})
    facade.add_assistant_message("session-123", "Hi there!")
    assert facade.get_chat_history("session-123") == [
        {"role": "user", "content": "Hello!"},
        {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
        {"role": "tool", "content": "42", "tool_call_id": "c1"},
        {"role": "assistant", "content": "Hi there!"},
    ]
    assert facade.get_messages("session-123")[2].metadata == {"ms": 3}


def test_no_silent_cap_on_history(facade):
    facade.add_messages("long", [{"role": "user", "content": str(n)} for n in range(150)])
    assert len(facade.get_chat_history("long")) == 150
    assert [m["content"] for m in facade.get_chat_history("long", max_messages=2)] == ["148", "149"]


def test_an_unknown_session_has_an_empty_history(facade):
    assert facade.get_chat_history("nobody") == []
    assert facade.clear_session("nobody") == 0


def test_set_clear_list_and_delete(facade):
    facade.add_user_message("a", "one")
    facade.set_chat_history("a", [{"role": "user", "content": "x"}, {"role": "assistant"}])
    assert [m["role"] for m in facade.get_chat_history("a")] == ["user", "assistant"]
    with pytest.raises(InvalidMessageError):
        facade.set_chat_history("a", [{"role": "nobody"}])
    assert len(facade.get_chat_history("a")) == 2
    facade.add_user_message("b", "two")
    assert {s["session_id"] for s in facade.list_sessions(limit=50)} == {"a", "b"}
    assert len(facade.list_sessions(limit=1)) == 1
    assert facade.clear_session("a") == 2 and facade.session_exists("a")
    assert facade.delete_session("b") and not facade.session_exists("b")
    assert facade.get_session("a")["message_count"] == 0


def test_a_session_deleted_elsewhere_is_created_again(facade, store_url):
    facade.add_user_message("s", "one")
    with open_store(store_url) as other:
        other.delete_session("s")
    facade.add_user_message("s", "two")
    assert facade.get_chat_history("s") == [{"role": "user", "content": "two"}]
    facade.invalidate_cache()
    facade.add_user_message("s", "three")
    assert len(facade.get_chat_history("s")) == 2


def test_first_messages_from_many_threads_all_land(store_url):
    facades = [DefaultSessionStore(store_url) for _ in range(4)]
    errors = []

    def write(facade, n):
        try:
            for i in range(5):
                facade.add_user_message("race", f"{n}-{i}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f, n)) for n, f in enumerate(facades)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(facades[0].get_chat_history("race")) == 20
    for facade in facades:
        facade.close()


def test_ids_are_validated(facade):
    with pytest.raises(InvalidSessionIdError):
        facade.add_user_message("../escape", "x")


def test_literal_odd_ids_are_stored_harmlessly(facade):
    odd = "user:1 {x} 'quoted' \"double\"; $HOME"
    facade.add_user_message(odd, "hi")
    assert facade.get_chat_history(odd) == [{"role": "user", "content": "hi"}]
    assert odd in {s["session_id"] for s in facade.list_sessions()}


def test_user_id_scopes_the_facade(store_url):
    with (
        DefaultSessionStore(store_url, user_id="alice") as alice,
        DefaultSessionStore(store_url, user_id="bob") as bob,
    ):
        alice.add_user_message("main", "from alice")
        assert bob.get_chat_history("main") == []
        assert bob.list_sessions() == []


def test_get_default_session_store_is_shared_per_url(isolated_home):
    first = get_default_session_store()
    assert get_default_session_store() is first
    assert first.store.backend_name == "file"
    assert first.store.url == default_store_url()
    assert default_store_url().startswith((isolated_home / "sessions").resolve().as_uri())
    assert get_default_session_store("memory://other") is not first
