"""DbAdapter: plain methods called as pluggy hooks scoped to one agent; global plugins see all."""

from __future__ import annotations

import pytest

from tether import Agent, hookimpl
from tether.errors import ConfigurationError
from tether.plugins import plugin_manager


class RecordingAdapter:
    """The DbAdapter protocol as the reference documents it (defaults included)."""

    def __init__(self, earlier=None):
        self.calls = []
        self.earlier = earlier or []

    def on_agent_start(self, agent_name, session_id, user_id=None, metadata=None):
        self.calls.append(("start", agent_name, session_id, user_id, metadata))
        return self.earlier

    def on_user_message(self, session_id, content, metadata=None):
        self.calls.append(("user", session_id, content, metadata["run_id"]))

    def on_agent_message(self, session_id, content, metadata=None):
        self.calls.append(("agent", session_id, content, metadata["run_id"]))


def test_hooks_are_called_in_order_with_every_argument(fake_llm):
    adapter = RecordingAdapter()
    memory = {"session_id": "s1", "user_id": "u1", "db": "memory://a"}
    agent = Agent("Assistant", memory=memory, db=adapter, metadata={"team": "x"})
    agent.chat("hello")
    agent.chat("again")
    run1, run2 = (r.run_id for r in agent.store.list_runs("s1", user_id="u1"))
    assert adapter.calls == [
        ("start", "Assistant", "s1", "u1", {"team": "x"}),
        ("user", "s1", "hello", run1),
        ("agent", "s1", "fake reply to: hello", run1),
        ("user", "s1", "again", run2),
        ("agent", "s1", "fake reply to: again", run2),
    ]


def test_messages_returned_by_on_agent_start_are_restored(fake_llm):
    earlier = [
        {"role": "user", "content": "My name is Alice"},
        {"role": "assistant", "content": "Hello Alice"},
    ]
    agent = Agent("A", "sys", db=RecordingAdapter(earlier))
    agent.chat("What's my name?")
    sent = fake_llm.last_request.messages
    assert [m["content"] for m in sent] == [
        "sys",
        "My name is Alice",
        "Hello Alice",
        "What's my name?",
    ]
    assert len(agent.history) == 4


def test_restored_messages_do_not_duplicate_a_stored_history(fake_llm):
    memory = {"session_id": "s1", "db": "memory://dup"}
    Agent("A", memory=memory).chat("first")
    earlier = [{"role": "user", "content": "first"}, {"role": "assistant", "content": "x"}]
    agent = Agent("A", memory=memory, db=RecordingAdapter(earlier))
    agent.chat("second")
    assert len(agent.history) == 4


def test_the_adapter_sees_only_its_own_agent(fake_llm):
    adapter = RecordingAdapter()
    Agent("With", db=adapter).chat("mine")
    Agent("Without").chat("theirs")
    contents = [call[2] for call in adapter.calls if call[0] == "user"]
    assert contents == ["mine"]


def test_a_global_plugin_sees_every_agent(fake_llm):
    seen = []

    class Audit:
        @hookimpl
        def on_user_message(self, session_id, content, metadata):
            seen.append(content)

    plugin = Audit()
    plugin_manager().register(plugin)
    try:
        Agent("With", db=RecordingAdapter()).chat("one")
        Agent("Without").chat("two")
    finally:
        plugin_manager().unregister(plugin)
    assert seen == ["one", "two"]
    Agent("After").chat("three")
    assert seen == ["one", "two"]


def test_adapter_errors_propagate(fake_llm):
    class Broken:
        def on_user_message(self, session_id, content, metadata=None):
            raise RuntimeError("database down")

    agent = Agent("A", db=Broken(), memory={"db": "memory://broken"})
    with pytest.raises(RuntimeError, match="database down"):
        agent.chat("hello")
    assert agent.history == []
    assert agent.store.list_runs(agent.session_id)[0].status == "failed"


def test_an_adapter_may_leave_out_hooks_and_arguments(fake_llm):
    got = []

    class Minimal:
        def on_agent_message(self, session_id, content):
            got.append(content)

    Agent("A", db=Minimal()).chat("hi")
    assert got == ["fake reply to: hi"]


def test_an_object_without_hooks_is_not_an_adapter():
    with pytest.raises(ConfigurationError, match="DbAdapter"):
        Agent("A", db=object())
