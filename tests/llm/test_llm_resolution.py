"""get_llm / default_llm: model specs, the configured default, the echo model, plugins."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import warnings

import pytest

from tether import hookimpl
from tether.errors import InvalidInputError, LLMError
from tether.llm import ECHO_NOTICE, LLM, BaseLLM, LLMResponse, default_llm, get_llm, llm_providers

CHAT = [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "first question"},
    {"role": "assistant", "content": "first answer"},
    {"role": "user", "content": "What is 2 + 2?"},
]


# --- the echo model ------------------------------------------------------------------------


def test_echo_describes_what_it_received():
    llm = get_llm("echo")
    assert (llm.provider, llm.is_debug) == ("echo", True)
    assert isinstance(llm, LLM)
    response = llm.complete(CHAT)
    assert response.content == (
        "[echo model: debugging only] I received 3 earlier messages. "
        'Your last message was: "What is 2 + 2?".'
    )
    assert response.finish_reason == "stop"
    assert response.tool_calls is None


def test_echo_reports_usage_from_the_token_counter():
    from tether.llm.tokens import count_tokens

    response = get_llm("echo").complete(CHAT)
    assert response.usage.prompt_tokens == count_tokens(CHAT)
    completion = count_tokens([{"role": "assistant", "content": response.content}])
    assert response.usage.completion_tokens == completion
    assert response.usage.total_tokens == count_tokens(CHAT) + completion


def test_echo_mentions_tools_and_missing_user_message():
    tools = [{"type": "function", "function": {"name": "f"}}]
    text = get_llm("echo").complete([{"role": "system", "content": "s"}], tools=tools).content
    assert "There was no user message." in text
    assert "1 tool was offered" in text


def test_echo_quotes_content_parts_and_shortens_long_messages():
    parts = [{"type": "text", "text": "look at"}, {"type": "image_url", "image_url": {}}]
    text = get_llm("echo").complete([{"role": "user", "content": parts}]).content
    assert '"look at (+1 non-text part)"' in text
    long = get_llm("echo").complete([{"role": "user", "content": "x" * 5000}]).content
    assert len(long) < 700 and '..."' in long


def test_echo_streams_in_chunks():
    llm = get_llm("echo")
    chunks = list(llm.stream(CHAT))
    assert len(chunks) > 3
    assert "".join(chunks) == llm.last_response.content
    assert llm.last_response.content.startswith("[echo model: debugging only]")


def test_echo_async():
    llm = get_llm("echo")

    async def run():
        answer = await llm.acomplete(CHAT)
        chunks = [c async for c in llm.astream(CHAT)]
        return answer, chunks

    answer, chunks = asyncio.run(run())
    assert "".join(chunks) == answer.content


def test_messages_are_validated():
    with pytest.raises(InvalidInputError, match="list"):
        get_llm("echo").complete("hello")
    with pytest.raises(InvalidInputError, match=r"messages\[0\]"):
        get_llm("echo").complete([{"content": "no role"}])


# --- default resolution --------------------------------------------------------------------


def test_nothing_configured_gives_echo_with_notice():
    llm, notice = default_llm()
    assert llm.provider == "echo"
    assert notice == ECHO_NOTICE
    assert "OPENAI_API_KEY" in notice and "TETHER_LLM" in notice


def test_get_llm_none_warns_when_falling_back_to_echo():
    with pytest.warns(UserWarning, match="echo debugging model"):
        llm = get_llm()
    assert llm.is_debug


def test_tether_llm_wins(monkeypatch):
    monkeypatch.setenv("TETHER_LLM", "ollama/qwen2")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm = get_llm()
    assert (llm.provider, llm.model) == ("ollama", "qwen2")
    assert default_llm()[1] is None


def test_openai_key_selects_openai_with_tether_model(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    llm, notice = default_llm()
    assert (llm.provider, llm.model, notice) == ("openai", "gpt-4o-mini", None)
    monkeypatch.setenv("TETHER_MODEL", "gpt-4.1")
    assert default_llm()[0].model == "gpt-4.1"


def test_base_url_alone_selects_openai(fake_llm, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    llm, notice = default_llm()
    assert (llm.provider, notice) == ("openai", None)


def test_default_reaches_the_fake_server(fake_llm):
    fake_llm.reply("configured")
    assert get_llm().complete(CHAT).content == "configured"
    assert fake_llm.last_request.body["model"] == "gpt-4o-mini"


def test_configured_model_that_cannot_work_raises(monkeypatch):
    monkeypatch.setenv("TETHER_LLM", "nosuch/model")
    with pytest.raises(LLMError, match="nosuch"):
        default_llm()
    with pytest.raises(LLMError):
        get_llm()


# --- specs ---------------------------------------------------------------------------------


def test_unknown_provider_lists_installed_ones():
    with pytest.raises(LLMError) as info:
        get_llm("foo/bar")
    message = str(info.value)
    assert "'foo'" in message
    for name in ("openai", "ollama", "echo", "azure"):
        assert name in message


def test_provider_prefix_is_case_insensitive():
    assert get_llm("Ollama/llama3").provider == "ollama"


def test_llm_object_is_returned_unchanged():
    llm = get_llm("echo")
    assert get_llm(llm) is llm
    with pytest.raises(InvalidInputError):
        get_llm(llm, temperature=0)


@pytest.mark.parametrize("spec", ["", "   ", 42, ["gpt-4o"]])
def test_bad_specs(spec):
    with pytest.raises(InvalidInputError):
        get_llm(spec)


def test_builtin_providers_are_registered():
    providers = llm_providers()
    assert {"openai", "azure", "ollama", "vllm", "lmstudio", "llamacpp", "echo"} <= set(providers)
    assert all(p.description for p in providers.values())


# --- plugins -------------------------------------------------------------------------------


class Canned(BaseLLM):
    provider = "canned"

    def __init__(self, model, **options):
        self.model = model or "default"
        self.options = options

    def complete(self, messages, *, tools=None, **options):
        return LLMResponse(content=f"canned:{self.model}:{len(messages)}", model=self.model)


class CannedPlugin:
    @hookimpl
    def register_llms(self, register):
        register("canned", Canned, description="test double")


def test_plugin_provider_is_found_and_gets_options(fresh_plugins):
    fresh_plugins.register(CannedPlugin())
    llm = get_llm("canned/m1", temperature=0)
    assert isinstance(llm, Canned)
    assert (llm.model, llm.options) == ("m1", {"temperature": 0})
    assert llm.complete(CHAT).content == "canned:m1:4"
    assert llm_providers()["canned"].description == "test double"


def test_base_llm_derives_streaming_and_async(fresh_plugins):
    llm = Canned("m")
    assert list(llm.stream(CHAT)) == ["canned:m:4"]
    assert llm.last_response.content == "canned:m:4"

    async def run():
        return await llm.acomplete(CHAT), [c async for c in llm.astream(CHAT)]

    answer, chunks = asyncio.run(run())
    assert chunks == [answer.content]


def test_failing_plugin_factory_becomes_llm_error(fresh_plugins):
    def broken(model, **options):
        raise RuntimeError("driver missing")

    class BrokenPlugin:
        @hookimpl
        def register_llms(self, register):
            register("broken", broken)

    fresh_plugins.register(BrokenPlugin())
    with pytest.raises(LLMError, match=r"broken.*driver missing"):
        get_llm("broken/x")


def test_creating_models_imports_openai_only_when_needed():
    code = (
        "import sys, tether\n"
        "from tether.llm import get_llm\n"
        "get_llm('echo').complete([{'role': 'user', 'content': 'hi'}])\n"
        "assert 'openai' not in sys.modules, 'echo imported openai'\n"
        "get_llm('ollama/llama3')\n"
        "assert 'openai' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
