"""The built-in LLM providers and token counter, registered like any plugin's.

Registration only names things: the provider modules (and the ``openai`` package) are
imported when a model is first created, so building the plugin manager stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from tether.hookspecs import hookimpl
from tether.llm.servers import COMPATIBLE_SERVERS


def _lazy(module: str, name: str, *args: Any):
    """A factory that imports ``module`` on first use and calls ``name`` from it."""

    def factory(model: str | None = None, **options: Any):
        target = getattr(importlib.import_module(module), name)
        return (target(*args) if args else target)(model, **options)

    factory.__name__ = name
    return factory


def _approximate(messages: list[dict[str, Any]]) -> int:
    from tether.llm.tokens import approximate

    return approximate(messages)


@hookimpl
def register_llms(register):
    openai_compat = "tether.llm.openai_compat"
    register(
        "openai",
        _lazy(openai_compat, "openai_llm"),
        description="OpenAI, or any OpenAI-compatible base URL",
    )
    register(
        "azure", _lazy(openai_compat, "azure_llm"), description="Azure OpenAI: azure/<deployment>"
    )
    for server in COMPATIBLE_SERVERS:
        register(
            server.name,
            _lazy(openai_compat, "compatible_llm", server),
            description=server.description,
        )
    register(
        "echo",
        _lazy("tether.llm.echo", "EchoLLM"),
        description="Debugging model: describes what it received",
    )


@hookimpl
def register_token_counters(register):
    register("approximate", _approximate)
