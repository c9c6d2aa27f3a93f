"""The fake OpenAI-compatible server itself, spoken to over plain HTTP (urllib)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tether_testing.fake_llm import FakeLLMServer


def post(server: FakeLLMServer, path: str, body, key: str | None = None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {key or server.api_key}")
    request.add_header("X-Test", "yes")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sse_events(text: str) -> list:
    lines = [line for line in text.split("\n\n") if line]
    assert all(line.startswith("data: ") for line in lines)
    return [line.removeprefix("data: ") for line in lines]


CHAT = {"model": "fake-model", "messages": [{"role": "user", "content": "ping"}]}


@pytest.fixture
def server():
    with FakeLLMServer() as running:
        yield running


def test_models_endpoint(server):
    request = urllib.request.Request(server.base_url + "/models")
    request.add_header("Authorization", f"Bearer {server.api_key}")
    with urllib.request.urlopen(request, timeout=10) as response:
        listing = json.loads(response.read())
    assert listing["object"] == "list"
    assert [m["id"] for m in listing["data"]] == ["gpt-4o-mini", "fake-model"]
    assert server.requests[-1].method == "GET"


def test_completion_and_recording(server):
    status, text = post(server, "/v1/chat/completions", CHAT)
    assert status == 200
    body = json.loads(text)
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "fake reply to: ping"}
    assert body["model"] == "fake-model"
    recorded = server.last_request
    assert (recorded.method, recorded.path, recorded.body) == ("POST", "/v1/chat/completions", CHAT)
    assert recorded.headers["x-test"] == "yes"
    assert recorded.messages == CHAT["messages"]


def test_scripted_replies_are_used_in_order_then_the_default(server):
    server.reply("one")
    server.reply_tool_calls([{"name": "f", "arguments": {"a": 1}}])
    answers = [json.loads(post(server, "/v1/chat/completions", CHAT)[1]) for _ in range(3)]
    assert answers[0]["choices"][0]["message"]["content"] == "one"
    calls = answers[1]["choices"][0]["message"]["tool_calls"]
    assert calls[0]["function"] == {"name": "f", "arguments": '{"a": 1}'}
    assert calls[0]["id"].startswith("call_")
    assert answers[1]["choices"][0]["finish_reason"] == "tool_calls"
    assert answers[2]["choices"][0]["message"]["content"] == "fake reply to: ping"


def test_stream_format_with_and_without_usage(server):
    server.reply("abcdefghij")
    status, text = post(server, "/v1/chat/completions", {**CHAT, "stream": True})
    events = sse_events(text)
    assert status == 200 and events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "abcdefghij"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all("usage" not in c for c in chunks)

    with_usage = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
    chunks = [
        json.loads(e) for e in sse_events(post(server, "/v1/chat/completions", with_usage)[1])[:-1]
    ]
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])


def test_errors(server):
    assert post(server, "/v1/chat/completions", CHAT, key="wrong")[0] == 401
    assert post(server, "/v1/nothing", CHAT)[0] == 404
    status, text = post(server, "/v1/chat/completions", {"messages": []})
    assert status == 400 and "model" in json.loads(text)["error"]["message"]
    assert post(server, "/v1/chat/completions", b"not json")[0] == 400
    server.fail(502, "upstream down")
    status, text = post(server, "/v1/chat/completions", CHAT)
    assert (status, json.loads(text)["error"]["message"]) == (502, "upstream down")


def test_reset_and_restart():
    server = FakeLLMServer(api_key=None)
    with pytest.raises(RuntimeError):
        _ = server.base_url
    with server:
        server.reply("unused")
        post(server, "/v1/chat/completions", CHAT, key="anything")
        server.reset()
        assert server.requests == []
        assert (
            json.loads(post(server, "/v1/chat/completions", CHAT)[1])["choices"][0]["message"][
                "content"
            ]
            == "fake reply to: ping"
        )
    server.stop()  # stopping twice is harmless


def test_fixture_points_the_environment_at_the_server(fake_llm):
    import os

    assert os.environ["OPENAI_BASE_URL"] == fake_llm.base_url
    assert os.environ["OPENAI_API_KEY"] == fake_llm.api_key
