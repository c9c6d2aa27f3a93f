"""Session: construction, agents sharing history, state, TTL, lifecycle, middleware."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest

from tether import Agent, MemoryConfig, Session, hookimpl, open_store
from tether.errors import ConfigurationError, InvalidInputError, SessionExpiredError
from tether.ids import DEFAULT_USER_ID
from tether.plugins import plugin_manager


def test_defaults_an_id_and_the_default_user():
    with Session() as session:
        assert session.session_id and session.user_id == DEFAULT_USER_ID
        assert session.store.backend_name == "file"
        assert session.time_to_expiry() is None and not session.is_expired()


@pytest.mark.parametrize("ttl", [-1, -0.5])
def test_a_negative_ttl_is_a_value_error(ttl):
    with pytest.raises(ValueError, match="negative"):
        Session(session_ttl=ttl)
    with pytest.raises(InvalidInputError):
        Session(session_ttl=ttl)


def test_later_features_say_so():
    with pytest.raises(ConfigurationError, match="remote sessions are not available yet"):
        Session(agent_url="http://localhost:8000/agent")
    with pytest.raises(ConfigurationError, match="knowledge"):
        Session(knowledge_config={"vector_store": {}})


def test_state_persists_across_processes():
    Session(session_id="chat_123", user_id="user_456").save_state({"topic": "Python"})
    script = textwrap.dedent(
        """
        from tether import Session
        session = Session(session_id="chat_123", user_id="user_456")
        print(session.restore_state()["topic"], session.increment_state("visits"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.split() == ["Python", "1"], done.stderr
    assert Session(session_id="chat_123", user_id="user_456").get_state("visits") == 1


def test_state_methods():
    session = Session(db="memory://state")
    session.save_state({"a": 1})
    session.set_state("score", 10)
    assert session.increment_state("score", increment=5) == 15
    assert session.get_state("score") == 15 and session.get_state("nope", "d") == "d"
    assert session.restore_state() == {"a": 1, "score": 15}
    session.save_state()
    assert session.restore_state() == {"a": 1, "score": 15}


def test_agents_of_a_session_share_its_history(fake_llm):
    session = Session(session_id="team", db="memory://team")
    researcher = session.Agent(name="Researcher", instructions="You research topics")
    writer = session.Agent(name="Writer", instructions="You write content")
    researcher.chat("Research AI trends")
    writer.chat("Write an article about the research")
    sent = fake_llm.last_request.messages
    assert sent[0] == {"role": "system", "content": "You write content"}
    assert [m["content"] for m in sent[1:3]] == [
        "Research AI trends",
        "fake reply to: Research AI trends",
    ]
    assert session.get_context()["message_count"] == 4
    assert session.get_context()["agents"] == ["Researcher", "Writer"]


def test_chat_uses_the_last_agent_or_the_one_given(fake_llm):
    session = Session(db="memory://pick")
    with pytest.raises(ConfigurationError, match=r"session\.Agent"):
        session.chat("hello")
    first = session.Agent(name="First", instructions="one")
    session.Agent(name="Second", instructions="two")
    session.chat("hi")
    assert fake_llm.last_request.messages[0]["content"] == "two"
    session.chat("hi", agent=first)
    assert fake_llm.last_request.messages[0]["content"] == "one"
    with pytest.raises(ConfigurationError, match="does not belong"):
        session.chat("hi", agent=Agent("Stranger"))


def test_chat_async(fake_llm):
    session = Session(db="memory://async")
    session.Agent(name="A")
    assert asyncio.run(session.chat_async("hello")) == "fake reply to: hello"
    assert len(session.get_history()) == 2


def test_an_existing_agent_can_join_before_it_talks(fake_llm):
    agent = Agent("Assistant", "You are helpful")
    session = Session(session_id="joined", db="memory://join", agent=agent)
    session.chat("My name is Alice")
    assert agent.session_id == "joined" and len(session.get_history()) == 2
    with pytest.raises(ConfigurationError, match="already talked"):
        Session(db="memory://join2", agent=agent)


def test_agent_memory_may_only_change_what_is_sent(fake_llm):
    session = Session(db="memory://send")
    agent = session.Agent(name="A", memory={"max_messages": 1})
    for text in ("one", "two"):
        agent.chat(text)
    assert [m["content"] for m in fake_llm.last_request.messages] == ["two"]
    with pytest.raises(ConfigurationError, match="session_id"):
        session.Agent(name="B", memory={"session_id": "elsewhere"})
    session.Agent(name="C", memory=True)


def test_memory_config_and_db_choose_the_store(tmp_path):
    url = (tmp_path / "files").as_uri()
    session = Session(session_id="s", memory_config=MemoryConfig(db=url))
    session.add_message("user", "hello")
    with open_store(url) as store:
        assert store.count_messages("s") == 1
    with pytest.raises(ConfigurationError, match="not both"):
        Session(memory_config={"db": url}, db="memory://")
    with pytest.raises(ConfigurationError, match="session_id"):
        Session(session_id="a", memory_config={"session_id": "b"})


def test_ttl_expiry_refuses_chat_and_state(fake_llm):
    agent = Agent("A")
    session = Session(db="memory://ttl", session_ttl=0)
    assert session.is_expired() and session.time_to_expiry() == 0
    with pytest.raises(SessionExpiredError, match="expired"):
        session.add_agent(agent)
    with pytest.raises(SessionExpiredError, match="expired"):
        session.chat("hello", agent=agent)
    with pytest.raises(SessionExpiredError):
        session.set_state("k", 1)
    assert fake_llm.chat_requests == []


def test_a_ttl_counts_down():
    session = Session(db="memory://ttl2", session_ttl=3600)
    assert 3500 < session.time_to_expiry() <= 3600 and not session.is_expired()
    assert session.get_context()["expires_at"] is not None


def test_reopening_with_a_ttl_restarts_the_clock():
    Session(session_id="s", db="memory://reopen")
    again = Session(session_id="s", db="memory://reopen", session_ttl=60)
    assert 0 < again.time_to_expiry() <= 60


def test_close_is_safe_twice_and_the_session_refuses_work_after():
    with Session(db="memory://close") as session:
        session.set_state("k", 1)
    session.close()
    with pytest.raises(ConfigurationError, match="closed"):
        session.get_state("k")


def test_close_leaves_a_store_it_did_not_open_open():
    store = open_store("memory://shared")
    Session(session_id="s", db=store).close()
    assert store.session_exists("s")


def test_middleware_runs_in_order_and_the_model_reply_is_stored(fake_llm):
    calls = []

    def tag(message, response):
        calls.append(("tag", message))
        return response + " [tagged]"

    def shout(message, response):
        return response.upper()

    session = Session(db="memory://mw", middleware=[tag, shout])
    session.Agent(name="A")
    assert session.chat("hi") == "FAKE REPLY TO: HI [TAGGED]"
    assert calls == [("tag", "hi")]
    assert session.get_history()[-1]["content"] == "fake reply to: hi"


def test_middleware_by_registered_name(fake_llm):
    class Plugin:
        @hookimpl
        def register_middleware(self, register):
            register("exclaim", lambda message, response: response + "!")

    plugin = Plugin()
    plugin_manager().register(plugin)
    try:
        session = Session(db="memory://named", middleware=["exclaim"])
        session.Agent(name="A")
        assert session.chat("hi") == "fake reply to: hi!"
    finally:
        plugin_manager().unregister(plugin)
    with pytest.raises(ConfigurationError, match="no middleware named 'exclaim'"):
        Session(db="memory://named2", middleware=["exclaim"])


def test_get_context():
    session = Session(session_id="ctx", user_id="u", db="memory://ctx", title="T")
    session.add_message("user", "hello")
    context = session.get_context()
    assert {k: context[k] for k in ("session_id", "user_id", "message_count", "title")} == {
        "session_id": "ctx",
        "user_id": "u",
        "message_count": 1,
        "title": "T",
    }
    assert context["created_at"].startswith("20")
