"""Agent turns: what is sent to the model, what is stored, runs, errors, resume."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest

from tether import Agent, MemoryConfig, open_store
from tether.errors import (
    ConfigurationError,
    InvalidMessageError,
    LLMError,
    SessionExpiredError,
    StoreError,
)


def roles(messages):
    return [m["role"] for m in messages]


def test_reply_and_request_carry_the_system_prompt_then_the_history(fake_llm):
    agent = Agent("Helper", "You are terse.")
    assert agent.chat("My name is Alice") == "fake reply to: My name is Alice"
    fake_llm.reply("Alice.")
    assert agent.start("What's my name?") == "Alice."
    sent = fake_llm.last_request.messages
    assert sent[0] == {"role": "system", "content": "You are terse."}
    assert [m["content"] for m in sent[1:]] == [
        "My name is Alice",
        "fake reply to: My name is Alice",
        "What's my name?",
    ]


def test_no_memory_config_keeps_history_per_agent_in_process(fake_llm):
    first, second = Agent("A"), Agent("B")
    first.chat("one")
    second.chat("two")
    assert [m["content"] for m in fake_llm.last_request.messages] == ["two"]
    assert len(first.history) == 2 and first.session_id != second.session_id


def test_a_new_process_with_the_same_session_id_continues(fake_llm):
    Agent("A", "Be kind.", memory={"session_id": "s1"}).chat("My name is Alice")
    script = textwrap.dedent(
        """
        from tether import Agent
        agent = Agent("A", "Be kind.", memory={"session_id": "s1"})
        print(agent.chat("What's my name?"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "fake reply to: What's my name?"
    first_request_of_new_process = fake_llm.last_request.messages
    assert roles(first_request_of_new_process) == ["system", "user", "assistant", "user"]
    assert first_request_of_new_process[1]["content"] == "My name is Alice"


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_db_url_and_backend_pick_the_store(fake_llm, tmp_path, kind):
    url = (tmp_path / "store").as_uri() if kind == "file" else f"sqlite:///{tmp_path / 't.db'}"
    Agent("A", memory={"session_id": "s1", "db": url}).chat("hello")
    Agent("A", memory=MemoryConfig(session_id="s2", backend=kind, db=url)).chat("hi")
    with open_store(url) as store:
        assert store.backend_name == kind
        assert [m.content for m in store.get_messages("s1")] == ["hello", "fake reply to: hello"]
        assert store.count_messages("s2") == 2


def test_the_same_session_id_under_two_users_is_two_conversations(fake_llm):
    alice = Agent("A", memory=MemoryConfig(session_id="main", user_id="alice", db="memory://u"))
    bob = Agent("A", memory=MemoryConfig(session_id="main", user_id="bob", db="memory://u"))
    alice.chat("My favourite colour is blue")
    bob.chat("My favourite colour is red")
    assert [m["content"] for m in fake_llm.last_request.messages] == ["My favourite colour is red"]
    assert alice.history[0]["content"] == "My favourite colour is blue"
    assert bob.history[0]["content"] == "My favourite colour is red"


def test_auto_save_persists_after_every_turn(fake_llm):
    agent = Agent("A", memory=MemoryConfig(auto_save="my-assistant", user_id="u1"))
    with open_store() as store:
        agent.chat("Remember that I prefer dark mode")
        assert store.count_messages("my-assistant", user_id="u1") == 2
        agent.chat("Thanks")
        assert store.count_messages("my-assistant", user_id="u1") == 4


def test_history_false_sends_no_history_but_stores_every_turn(fake_llm):
    agent = Agent("A", "sys", memory={"session_id": "s", "history": False})
    agent.chat("one")
    agent.chat("two")
    assert roles(fake_llm.last_request.messages) == ["system", "user"]
    assert len(agent.history) == 4


def test_max_messages_bounds_what_is_sent_not_what_is_stored(fake_llm):
    agent = Agent("A", "sys", memory={"session_id": "s", "max_messages": 3})
    for n in range(5):
        agent.chat(f"message {n}")
    sent = fake_llm.last_request.messages
    assert sent[0]["role"] == "system"
    assert [m["content"] for m in sent[1:]] == [
        "message 3",
        "fake reply to: message 3",
        "message 4",
    ]
    assert len(agent.history) == 10


def test_max_tokens_bounds_what_is_sent(fake_llm):
    agent = Agent("A", memory={"session_id": "s", "max_tokens": 60})
    for n in range(20):
        agent.chat(f"this is message number {n}, padded with some words")
    assert 1 <= len(fake_llm.last_request.messages) < 10
    assert fake_llm.last_request.messages[-1]["content"].startswith("this is message number 19")
    assert len(agent.history) == 40


def test_one_append_per_turn_holding_the_user_message_and_the_reply(fake_llm, recording_store):
    agent = Agent("A", memory=MemoryConfig(session_id="s", store=recording_store))
    agent.chat("hello")
    agent.chat("again")
    assert recording_store.appends == [2, 2]


def test_every_turn_records_a_completed_run_with_token_usage(fake_llm):
    agent = Agent("A", memory={"session_id": "s", "db": "memory://runs"})
    agent.chat("one")
    agent.chat("two")
    runs = agent.store.list_runs("s")
    assert [r.status for r in runs] == ["completed", "completed"]
    assert all(r.usage.total_tokens > 0 for r in runs)
    assert runs[-1].run_id == agent.last_run.run_id
    assert runs[0].spans[0].name == "llm" and runs[0].duration >= 0


def test_store_errors_propagate_and_the_run_is_recorded_as_failed(fake_llm, failing_store):
    agent = Agent("A", memory=MemoryConfig(session_id="s", store=failing_store))
    with pytest.raises(StoreError, match="disk full"):
        agent.chat("hello")
    [run] = failing_store.list_runs("s")
    assert run.status == "failed" and "disk full" in run.error


def test_a_model_failure_stores_no_message_and_records_a_failed_run(fake_llm):
    agent = Agent("A", memory={"session_id": "s", "db": "memory://fail"})
    fake_llm.fail(400, "bad request")
    with pytest.raises(LLMError):
        agent.chat("hello")
    assert agent.history == []
    [run] = agent.store.list_runs("s")
    assert run.status == "failed" and run.error


def test_an_expired_session_refuses_to_chat(fake_llm):
    agent = Agent("A", memory=MemoryConfig(session_id="s", db="memory://ttl", ttl=0))
    with pytest.raises(SessionExpiredError, match="expired"):
        agent.chat("hello")
    assert fake_llm.chat_requests == []


def test_prompts_must_be_text(fake_llm):
    agent = Agent("A")
    with pytest.raises(InvalidMessageError, match="prompt"):
        agent.chat(42)
    assert fake_llm.chat_requests == [] and agent.history == []


def test_db_takes_an_adapter_not_a_url():
    with pytest.raises(ConfigurationError, match="memory="):
        Agent("A", db="sqlite:///x.db")


def test_achat_stores_the_same_as_chat(fake_llm):
    agent = Agent("A", "sys", memory={"session_id": "s", "db": "memory://async"})

    async def talk():
        await agent.achat("one")
        return await agent.astart("two")

    assert asyncio.run(talk()) == "fake reply to: two"
    assert [m["content"] for m in agent.history] == [
        "one",
        "fake reply to: one",
        "two",
        "fake reply to: two",
    ]
    assert roles(fake_llm.last_request.messages) == ["system", "user", "assistant", "user"]
    assert [r.status for r in agent.store.list_runs("s")] == ["completed", "completed"]


def test_an_llm_object_is_used_as_given(fake_llm):
    from tether.llm import get_llm

    agent = Agent("A", llm=get_llm("echo"))
    assert agent.chat("hi").startswith("[echo model: debugging only]")
    assert fake_llm.chat_requests == []


def test_creating_an_agent_imports_no_llm_client_and_opens_no_store():
    script = textwrap.dedent(
        """
        import sys
        from tether import Agent
        agent = Agent("A", memory={"session_id": "s1"})
        print("openai" in sys.modules, agent.conversation._store is None)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_clear_history_keeps_the_session(fake_llm):
    agent = Agent("A", memory={"session_id": "s", "db": "memory://clear"})
    agent.chat("one")
    assert agent.clear_history() == 2
    agent.chat("two")
    assert [m["content"] for m in fake_llm.last_request.messages] == ["two"]


def test_a_closed_agent_refuses_to_chat(fake_llm):
    with Agent("A", memory={"session_id": "s"}) as agent:
        agent.chat("hello")
    agent.close()
    with pytest.raises(ConfigurationError, match="closed"):
        agent.chat("again")
    assert len(fake_llm.chat_requests) == 1


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_achat_on_a_persistent_store_resumes_like_chat(fake_llm, tmp_path, kind):
    url = (tmp_path / "store").as_uri() if kind == "file" else f"sqlite:///{tmp_path / 't.db'}"
    memory = {"session_id": "s", "db": url, "user_id": "u"}

    async def talk():
        agent = Agent("A", "sys", memory=memory)
        await agent.achat("one")
        await agent.achat("two")
        agent.close()

    asyncio.run(talk())
    Agent("A", "sys", memory=memory).chat("three")
    assert roles(fake_llm.last_request.messages) == ["system"] + ["user", "assistant"] * 2 + [
        "user"
    ]


def test_content_parts_are_accepted_and_malformed_parts_refused(fake_llm):
    agent = Agent("A")
    agent.chat([{"type": "text", "text": "look at this"}])
    assert fake_llm.last_request.messages[-1]["content"] == [
        {"type": "text", "text": "look at this"}
    ]
    with pytest.raises(InvalidMessageError, match="content parts"):
        agent.chat(["not a dict"])
