"""Language models: the :class:`LLM` interface, providers found through ``register_llms``,
and token counting (:mod:`tether.llm.tokens`).

``get_llm("gpt-4o-mini")``, ``get_llm("ollama/llama3")``, ``get_llm("echo")``; ``get_llm()``
is the configured model. No provider client is imported until a model is created.
"""

from __future__ import annotations

from tether._lazy import lazy_exports

_EXPORTS = {
    "ECHO_NOTICE": "tether.llm.registry",
    "LLM": "tether.llm.base",
    "BaseLLM": "tether.llm.base",
    "LLMProvider": "tether.llm.registry",
    "LLMResponse": "tether.llm.base",
    "default_llm": "tether.llm.registry",
    "get_llm": "tether.llm.registry",
    "llm_providers": "tether.llm.registry",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
