"""The built-in LLM providers and token counter, registered like any plugin's."""

from __future__ import annotations

from typing import Any

from tether.hookspecs import hookimpl
from tether.llm.openai_compat import COMPATIBLE_SERVERS, azure_llm, compatible_llm, openai_llm
from tether.llm.tokens import approximate


def _echo(model: str | None = None, **options: Any):
    from tether.llm.echo import EchoLLM

    return EchoLLM(model, **options)


@hookimpl
def register_llms(register):
    register("openai", openai_llm, description="OpenAI, or any OpenAI-compatible base URL")
    register("azure", azure_llm, description="Azure OpenAI: azure/<deployment>")
    for server in COMPATIBLE_SERVERS:
        register(server.name, compatible_llm(server), description=server.description)
    register("echo", _echo, description="Debugging model: describes what it received")


@hookimpl
def register_token_counters(register):
    register("approximate", approximate)
