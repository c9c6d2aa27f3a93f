"""Language models: the :class:`LLM` interface, providers found through ``register_llms``,
and token counting (:mod:`tether.llm.tokens`).

``get_llm("gpt-4o-mini")``, ``get_llm("ollama/llama3")``, ``get_llm("echo")``; ``get_llm()``
is the configured model. No provider client is imported until a model is created.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    """Load exported names on first access (importing the built-in plugin stays cheap)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tether.llm' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
