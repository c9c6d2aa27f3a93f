"""The openai provider against a real local HTTP server speaking the OpenAI API."""

from __future__ import annotations

import asyncio
import json

import pytest

from tether.errors import LLMError
from tether.llm import LLMResponse, get_llm
from tether_testing.fake_llm import FakeLLMServer

HELLO = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def test_request_is_exactly_what_the_api_expects(fake_llm):
    llm = get_llm("gpt-4o-mini")
    assert (llm.provider, llm.model, llm.is_debug) == ("openai", "gpt-4o-mini", False)
    fake_llm.reply("Hi!")
    response = llm.complete(HELLO, temperature=0.2)
    request = fake_llm.last_request
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {fake_llm.api_key}"
    assert request.body == {"model": "gpt-4o-mini", "messages": HELLO, "temperature": 0.2}
    assert response.content == "Hi!"
    assert response.finish_reason == "stop"
    assert response.model == "gpt-4o-mini"
    assert response.tool_calls is None
    assert response.usage.total_tokens == (
        response.usage.prompt_tokens + response.usage.completion_tokens
    )
    assert response.usage.prompt_tokens > 0


def test_default_reply_quotes_the_last_user_message(fake_llm):
    response = get_llm("gpt-4o-mini").complete(HELLO)
    assert response.content == "fake reply to: Hello there"


def test_default_options_are_sent_and_per_call_options_override(fake_llm):
    llm = get_llm("gpt-4o-mini", temperature=0, max_tokens=50)
    llm.complete(HELLO, max_tokens=10)
    assert fake_llm.last_request.body["temperature"] == 0
    assert fake_llm.last_request.body["max_tokens"] == 10


def test_explicit_key_and_base_url_win_over_environment(fake_llm, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "wrong")
    llm = get_llm("gpt-4o", base_url=fake_llm.base_url, api_key=fake_llm.api_key)
    assert llm.complete(HELLO).content == "fake reply to: Hello there"
    assert fake_llm.last_request.headers["authorization"] == f"Bearer {fake_llm.api_key}"


def test_tools_are_sent_and_tool_calls_round_trip(fake_llm):
    llm = get_llm("gpt-4o-mini")
    fake_llm.reply_tool_calls(
        [{"id": "call_1", "name": "get_weather", "arguments": {"city": "Oslo"}}]
    )
    first = llm.complete(HELLO, tools=[WEATHER_TOOL])
    assert fake_llm.last_request.body["tools"] == [WEATHER_TOOL]
    assert first.finish_reason == "tool_calls"
    assert first.tool_calls == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
        }
    ]
    conversation = [
        *HELLO,
        first.to_message(),
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
    fake_llm.reply("It is sunny in Oslo.")
    second = llm.complete(conversation, tools=[WEATHER_TOOL])
    assert fake_llm.last_request.body["messages"] == json.loads(json.dumps(conversation))
    assert second.content == "It is sunny in Oslo."


def test_empty_tool_list_is_not_sent(fake_llm):
    get_llm("gpt-4o-mini").complete(HELLO, tools=[])
    assert "tools" not in fake_llm.last_request.body


def test_stream_yields_deltas_and_assembles_the_response(fake_llm):
    llm = get_llm("gpt-4o-mini")
    fake_llm.reply("A streamed answer, in pieces.")
    deltas = list(llm.stream(HELLO))
    body = fake_llm.last_request.body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert len(deltas) > 1
    assert "".join(deltas) == "A streamed answer, in pieces."
    response = llm.last_response
    assert isinstance(response, LLMResponse)
    assert response.content == "A streamed answer, in pieces."
    assert response.finish_reason == "stop"
    assert response.usage.prompt_tokens > 0
    assert response.usage.completion_tokens > 0


def test_stream_usage_can_be_turned_off(fake_llm):
    llm = get_llm("gpt-4o-mini", stream_usage=False)
    list(llm.stream(HELLO))
    assert "stream_options" not in fake_llm.last_request.body
    assert llm.last_response.usage.total_tokens == 0


def test_streamed_tool_call_deltas_are_assembled(fake_llm):
    llm = get_llm("gpt-4o-mini")
    calls = [
        {"id": "call_a", "name": "get_weather", "arguments": {"city": "Bergen, Norway"}},
        {"id": "call_b", "name": "get_weather", "arguments": {"city": "Tromsø"}},
    ]
    fake_llm.reply_tool_calls(calls)
    assert list(llm.stream(HELLO, tools=[WEATHER_TOOL])) == []
    response = llm.last_response
    assert response.content is None
    assert response.finish_reason == "tool_calls"
    assert [c["id"] for c in response.tool_calls] == ["call_a", "call_b"]
    assert [json.loads(c["function"]["arguments"]) for c in response.tool_calls] == [
        {"city": "Bergen, Norway"},
        {"city": "Tromsø"},
    ]
    assert {c["function"]["name"] for c in response.tool_calls} == {"get_weather"}
    assert {c["type"] for c in response.tool_calls} == {"function"}


def test_async_complete_and_stream(fake_llm):
    llm = get_llm("gpt-4o-mini")

    async def run():
        fake_llm.reply("async answer")
        answer = await llm.acomplete(HELLO)
        fake_llm.reply("async stream")
        deltas = [d async for d in llm.astream(HELLO)]
        return answer, deltas

    answer, deltas = asyncio.run(run())
    assert answer.content == "async answer"
    assert "".join(deltas) == "async stream"
    assert llm.last_response.content == "async stream"
    assert [r.body.get("stream", False) for r in fake_llm.chat_requests] == [False, True]


def test_one_model_serves_several_event_loops(fake_llm):
    # The fake server keeps connections alive, as real ones do: a client whose pooled
    # connection belongs to a closed loop would fail here.
    llm = get_llm("gpt-4o-mini")
    for turn in range(3):
        answer = asyncio.run(llm.acomplete([{"role": "user", "content": f"turn {turn}"}]))
        assert answer.content == f"fake reply to: turn {turn}"


def test_server_error_becomes_llm_error_with_the_providers_message(fake_llm):
    fake_llm.fail(500, "the model is overloaded")
    with pytest.raises(LLMError, match="HTTP 500: the model is overloaded"):
        get_llm("gpt-4o-mini").complete(HELLO)


def test_stream_error_becomes_llm_error(fake_llm):
    fake_llm.fail(429, "rate limited, slow down")
    llm = get_llm("gpt-4o-mini")
    with pytest.raises(LLMError, match="HTTP 429: rate limited"):
        list(llm.stream(HELLO))
    assert llm.last_response is None


def test_async_error_becomes_llm_error(fake_llm):
    fake_llm.fail(503, "try later")
    with pytest.raises(LLMError, match="HTTP 503: try later"):
        asyncio.run(get_llm("gpt-4o-mini").acomplete(HELLO))


def test_wrong_key_is_reported(fake_llm):
    llm = get_llm("gpt-4o-mini", api_key="sk-wrong")
    with pytest.raises(LLMError, match="HTTP 401: Incorrect API key"):
        llm.complete(HELLO)


def test_closed_port_becomes_llm_error_naming_the_url():
    server = FakeLLMServer().start()
    base_url = server.base_url
    server.stop()
    llm = get_llm("gpt-4o-mini", base_url=base_url, max_retries=0)
    with pytest.raises(LLMError, match="cannot connect") as info:
        llm.complete(HELLO)
    assert base_url in str(info.value)


def test_timeout_becomes_llm_error(fake_llm):
    fake_llm.reply("too late", delay=30)
    llm = get_llm("gpt-4o-mini", timeout=0.2, max_retries=0)
    with pytest.raises(LLMError, match="timed out"):
        llm.complete(HELLO)


def test_no_fallback_to_another_model(fake_llm):
    fake_llm.fail(404, "The model `gpt-9` does not exist")
    with pytest.raises(LLMError, match="gpt-9"):
        get_llm("gpt-9").complete(HELLO)
    assert [r.body["model"] for r in fake_llm.chat_requests] == ["gpt-9"]


def test_slashed_model_name_goes_to_the_configured_server(fake_llm):
    llm = get_llm("meta-llama/Llama-3-8B-Instruct")
    assert llm.provider == "openai"
    llm.complete(HELLO)
    assert fake_llm.last_request.body["model"] == "meta-llama/Llama-3-8B-Instruct"
    get_llm("openai/org/model").complete(HELLO)
    assert fake_llm.last_request.body["model"] == "org/model"


def test_base_url_without_key_needs_no_key(fake_llm, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    fake_llm.api_key = None
    assert get_llm("local-model").complete(HELLO).content == "fake reply to: Hello there"


def test_missing_key_is_a_clear_error():
    with pytest.raises(LLMError, match="OPENAI_API_KEY"):
        get_llm("gpt-4o-mini")


def test_ollama_uses_its_base_url_and_needs_no_key(fake_llm, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("OLLAMA_BASE_URL", fake_llm.base_url)
    fake_llm.api_key = None
    llm = get_llm("ollama/llama3")
    assert (llm.provider, llm.model) == ("ollama", "llama3")
    assert llm.complete(HELLO).content == "fake reply to: Hello there"
    assert fake_llm.last_request.body["model"] == "llama3"


def test_local_server_defaults():
    llm = get_llm("ollama/llama3")
    assert llm.base_url.startswith("http://localhost:11434/v1")
    assert get_llm("vllm/m").base_url.startswith("http://localhost:8000/v1")
    with pytest.raises(LLMError, match="ollama/<model>"):
        get_llm("ollama")


def test_azure_deployment_uses_the_azure_url_and_key_header(fake_llm, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", fake_llm.api_key)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", fake_llm.url)
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-06-01")
    llm = get_llm("azure/my-deployment")
    assert llm.provider == "azure"
    fake_llm.reply("from azure")
    assert llm.complete(HELLO).content == "from azure"
    request = fake_llm.last_request
    assert (
        request.path == "/openai/deployments/my-deployment/chat/completions?api-version=2024-06-01"
    )
    assert request.headers["api-key"] == fake_llm.api_key


def test_azure_without_configuration_names_the_variables():
    with pytest.raises(LLMError, match="AZURE_OPENAI_ENDPOINT"):
        get_llm("azure/my-deployment")


def test_stream_option_in_complete_is_refused(fake_llm):
    with pytest.raises(ValueError, match="stream"):
        get_llm("gpt-4o-mini").complete(HELLO, stream=True)
    assert fake_llm.chat_requests == []
