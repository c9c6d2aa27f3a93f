"""Tools: described from Python functions, called when the model asks, stored, resumed."""

from __future__ import annotations

import asyncio

import pytest

from tether import Agent
from tether.agent.tools import make_tool
from tether.errors import ConfigurationError, LLMError


def get_weather(city: str, days: int = 1, metric: bool | None = None) -> dict:
    """Forecast for a city.

    Longer description that is not sent.
    """
    return {"city": city, "days": days, "sky": "clear"}


def test_schema_comes_from_signature_hints_and_docstring():
    schema = make_tool(get_weather).schema
    function = schema["function"]
    assert schema["type"] == "function"
    assert function["name"] == "get_weather"
    assert function["description"] == "Forecast for a city."
    assert function["parameters"] == {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer"},
            "metric": {"type": "boolean"},
        },
        "required": ["city"],
    }


def test_lambdas_and_duplicates_are_refused():
    with pytest.raises(ConfigurationError, match="lambda"):
        Agent("A", tools=[lambda x: x])
    with pytest.raises(ConfigurationError, match="two tools"):
        Agent("A", tools=[get_weather, get_weather])


def test_tool_calls_run_are_stored_and_survive_resume(fake_llm):
    memory = {"session_id": "s", "db": "memory://tools"}
    agent = Agent("A", "sys", memory=memory, tools=[get_weather])
    fake_llm.reply_tool_calls([{"name": "get_weather", "arguments": {"city": "Oslo"}, "id": "c1"}])
    fake_llm.reply("Clear skies in Oslo.")
    assert agent.chat("Weather in Oslo?") == "Clear skies in Oslo."

    second_request = fake_llm.chat_requests[-1].messages
    assert [m["role"] for m in second_request] == ["system", "user", "assistant", "tool"]
    assert second_request[-1]["tool_call_id"] == "c1"
    assert '"city": "Oslo"' in second_request[-1]["content"]
    assert fake_llm.chat_requests[0].body["tools"][0]["function"]["name"] == "get_weather"

    stored = agent.history
    assert [m["role"] for m in stored] == ["user", "assistant", "tool", "assistant"]
    assert stored[1]["tool_calls"][0]["id"] == "c1"

    resumed = Agent("A", "sys", memory=memory, tools=[get_weather])
    resumed.chat("And tomorrow?")
    sent = fake_llm.last_request.messages
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert sent[2]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_tool_errors_go_back_to_the_model_as_text(fake_llm):
    def explode(reason: str) -> str:
        """Fail on purpose."""
        raise RuntimeError(reason)

    agent = Agent("A", tools=[explode])
    fake_llm.reply_tool_calls(
        [
            {"name": "explode", "arguments": {"reason": "boom"}, "id": "c1"},
            {"name": "missing", "arguments": {}, "id": "c2"},
            {"name": "explode", "arguments": "{not json", "id": "c3"},
        ]
    )
    fake_llm.reply("sorry")
    assert agent.chat("go") == "sorry"
    results = [m["content"] for m in fake_llm.last_request.messages if m["role"] == "tool"]
    assert results[0] == "error: RuntimeError: boom"
    assert "no tool named 'missing'" in results[1]
    assert "not valid JSON" in results[2]


def test_a_model_that_never_stops_calling_tools_fails_the_turn(fake_llm):
    def ping() -> str:
        """Ping."""
        return "pong"

    agent = Agent("A", tools=[ping], max_tool_rounds=2, memory={"db": "memory://loop"})
    for n in range(3):
        fake_llm.reply_tool_calls([{"name": "ping", "arguments": {}, "id": f"c{n}"}])
    with pytest.raises(LLMError, match="2 rounds"):
        agent.chat("go")
    assert agent.history == []


def test_async_tools_run_in_achat(fake_llm):
    async def lookup(key: str) -> str:
        """Look a key up."""
        await asyncio.sleep(0)
        return key.upper()

    agent = Agent("A", tools=[lookup])
    fake_llm.reply_tool_calls([{"name": "lookup", "arguments": {"key": "abc"}, "id": "c1"}])
    fake_llm.reply("done")
    assert asyncio.run(agent.achat("go")) == "done"
    assert fake_llm.last_request.messages[-1]["content"] == "ABC"
