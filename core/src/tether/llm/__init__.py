"""Language models: the :class:`LLM` interface, providers found through ``register_llms``,
and token counting (:mod:`tether.llm.tokens`).

``get_llm("gpt-4o-mini")``, ``get_llm("ollama/llama3")``, ``get_llm("echo")``; ``get_llm()``
is the configured model. No provider client is imported until a model is created.
"""

from __future__ import annotations

from tether.llm.base import LLM, BaseLLM, LLMResponse
from tether.llm.registry import ECHO_NOTICE, LLMProvider, default_llm, get_llm, llm_providers

__all__ = [
    "ECHO_NOTICE",
    "LLM",
    "BaseLLM",
    "LLMProvider",
    "LLMResponse",
    "default_llm",
    "get_llm",
    "llm_providers",
]
