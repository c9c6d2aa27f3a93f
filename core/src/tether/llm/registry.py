"""Finding a model by spec (``"gpt-4o-mini"``, ``"ollama/llama3"``, ``"echo"``) through the
``register_llms`` hook, and the configured default model."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tether.errors import InvalidInputError, LLMError, TetherError
from tether.llm.base import LLM

ECHO_NOTICE = (
    "No LLM configured (set OPENAI_API_KEY or TETHER_LLM); using the echo debugging model."
)


@dataclass(frozen=True)
class LLMProvider:
    """A registered provider: ``factory(model, **options)`` returns an :class:`LLM`."""

    name: str
    factory: Callable[..., LLM]
    description: str
    source: str


def llm_providers() -> dict[str, LLMProvider]:
    """Every installed LLM provider, by name."""
    from tether.plugins import plugin_manager

    providers = {}
    for reg in plugin_manager().collect("register_llms").values():
        name, factory = reg.args[:2]
        description = reg.kwargs.get("description", "")
        providers[name] = LLMProvider(name, factory, description, reg.source)
    return providers


def _is_llm(value: Any) -> bool:
    return callable(getattr(value, "complete", None)) and hasattr(value, "model")


def _resolve(spec: str, providers: dict[str, LLMProvider], options: dict[str, Any]):
    """(provider, model) for a spec string."""
    if spec in providers:
        return providers[spec], None
    prefix, slash, model = spec.partition("/")
    if slash and prefix.lower() in providers:
        return providers[prefix.lower()], model
    if slash and not (options.get("base_url") or os.environ.get("OPENAI_BASE_URL")):
        raise LLMError(
            f"unknown LLM provider {prefix!r} in {spec!r}. Installed providers: "
            f"{', '.join(sorted(providers))}. To send a model name containing '/' to an "
            f"OpenAI-compatible server, write 'openai/{spec}' and set OPENAI_BASE_URL."
        )
    # A bare model name, or a slashed one for the server at OPENAI_BASE_URL.
    if "openai" not in providers:
        raise LLMError(f"no 'openai' provider is installed to run {spec!r}")
    return providers["openai"], spec


def get_llm(spec: str | LLM | None = None, **options: Any) -> LLM:
    """The model ``spec`` names; an :class:`LLM` object is returned unchanged.

    ``"provider/model"`` picks a registered provider; a bare name goes to ``openai``;
    ``None`` is the configured default (see :func:`default_llm`), which warns when it falls
    back to the echo model. ``options`` go to the provider (``api_key``, ``base_url``,
    ``temperature``, ...).
    """
    if spec is None:
        llm, notice = default_llm(**options)
        if notice:
            warnings.warn(notice, UserWarning, stacklevel=2)
        return llm
    if _is_llm(spec):
        if options:
            raise InvalidInputError(
                f"options {sorted(options)} cannot be applied to an existing model object"
            )
        return spec  # type: ignore[return-value]
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidInputError(
            f"llm must be a model name such as 'gpt-4o-mini' or 'ollama/llama3', or an object "
            f"with complete(); got {spec!r}"
        )
    provider, model = _resolve(spec.strip(), llm_providers(), options)
    return _create(provider, model, options)


def _create(provider: LLMProvider, model: str | None, options: dict[str, Any]) -> LLM:
    try:
        return provider.factory(model, **options)
    except TetherError:
        raise
    except Exception as exc:
        raise LLMError(f"LLM provider {provider.name!r} ({provider.source}) failed: {exc}") from exc


def default_llm(**options: Any) -> tuple[LLM, str | None]:
    """The configured model and, when none is configured, a notice for the user.

    ``TETHER_LLM`` (a model spec) wins; else ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` selects
    the ``openai`` provider with ``TETHER_MODEL`` (default ``gpt-4o-mini``); else the echo
    debugging model with the notice :data:`ECHO_NOTICE`. A configured model that cannot be
    created raises :class:`LLMError`.
    """
    configured = os.environ.get("TETHER_LLM", "").strip()
    if configured:
        return get_llm(configured, **options), None
    if os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
        providers = llm_providers()
        if "openai" not in providers:
            raise LLMError("OPENAI_API_KEY is set but no 'openai' provider is installed")
        return _create(providers["openai"], os.environ.get("TETHER_MODEL") or None, options), None
    return get_llm("echo", **options), ECHO_NOTICE
