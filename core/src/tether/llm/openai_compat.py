"""The ``openai`` provider and its OpenAI-compatible relatives (Azure, Ollama, vLLM, ...).

Built on the official ``openai`` package, imported only when a model is created. Every
provider failure (HTTP error, timeout, refused connection) becomes
:class:`tether.errors.LLMError` carrying the provider's own message; nothing falls back to
another model.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

from tether.errors import InvalidInputError, LLMError
from tether.llm.base import LLMResponse, check_messages
from tether.llm.servers import CompatibleServer
from tether.llm.stream import StreamAssembler, usage_of
from tether.stores.url import mask_url

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
NO_KEY = "not-needed"
"""Sent as the key to local servers that do not check one (the SDK insists on some key)."""

CLIENT_OPTIONS = frozenset(
    {
        "api_key",
        "base_url",
        "organization",
        "project",
        "timeout",
        "max_retries",
        "default_headers",
        "default_query",
        "http_client",
        "api_version",
        "azure_endpoint",
        "azure_ad_token",
        "azure_ad_token_provider",
    }
)
"""Options that configure the client; every other option is a default request parameter."""


class OpenAILLM:
    """A chat model behind the OpenAI Chat Completions API.

    ``options`` are split: client options (``api_key``, ``base_url``, ``timeout``,
    ``max_retries``, ``default_headers``, Azure's ``api_version`` / ``azure_endpoint``, ...)
    configure the connection; any other option (``temperature``, ``max_tokens``, ...) is
    sent with every request, and per-call options override it. ``stream_usage=False`` stops
    asking servers for usage in streams (for servers that reject ``stream_options``).
    """

    is_debug = False

    def __init__(
        self,
        model: str,
        *,
        provider: str = "openai",
        azure: bool = False,
        stream_usage: bool = True,
        **options: Any,
    ) -> None:
        if not isinstance(model, str) or not model.strip():
            raise InvalidInputError(f"{provider}: model must be a non-empty string")
        self.model = model
        self.provider = provider
        self.azure = azure
        self.stream_usage = stream_usage
        self.client_options = {k: v for k, v in options.items() if k in CLIENT_OPTIONS}
        self.defaults = {k: v for k, v in options.items() if k not in CLIENT_OPTIONS}
        self.last_response: LLMResponse | None = None
        self._client: Any = self._make_client(asynchronous=False)
        self._aclients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    # --- clients ---------------------------------------------------------------------

    def _make_client(self, *, asynchronous: bool) -> Any:
        import openai

        if self.azure:
            cls = openai.AsyncAzureOpenAI if asynchronous else openai.AzureOpenAI
        else:
            cls = openai.AsyncOpenAI if asynchronous else openai.OpenAI
        try:
            return cls(**self.client_options)
        except (openai.OpenAIError, ValueError) as exc:
            hint = (
                "set AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION"
                if self.azure
                else "set OPENAI_API_KEY (and OPENAI_BASE_URL for other servers)"
            )
            raise LLMError(
                f"{self.provider} model {self.model!r} is not configured: {exc} ({hint})"
            ) from exc

    @property
    def aclient(self) -> Any:
        """The async client of the running event loop (its connections belong to that loop,
        so each loop, such as each ``asyncio.run``, gets its own)."""
        loop = asyncio.get_running_loop()
        client = self._aclients.get(loop)
        if client is None:
            client = self._aclients[loop] = self._make_client(asynchronous=True)
        return client

    @property
    def base_url(self) -> str:
        """Where requests go (password masked)."""
        return mask_url(str(self._client.base_url))

    # --- requests --------------------------------------------------------------------

    def _params(
        self, messages: Any, tools: list[dict[str, Any]] | None, options: dict[str, Any]
    ) -> dict[str, Any]:
        check_messages(messages)
        if "stream" in options:
            raise InvalidInputError("pass no 'stream' option: call stream() or astream() to stream")
        params: dict[str, Any] = {"model": self.model, "messages": messages}
        params.update(self.defaults)
        params.update(options)
        if tools:
            params["tools"] = tools
        return params

    def _stream_params(self, messages, tools, options) -> dict[str, Any]:
        params = self._params(messages, tools, options)
        params["stream"] = True
        if self.stream_usage:
            params.setdefault("stream_options", {"include_usage": True})
        return params

    def _response(self, completion: Any) -> LLMResponse:
        if not completion.choices:
            raise LLMError(f"{self.provider} model {self.model!r} returned no choices")
        choice = completion.choices[0]
        message = choice.message
        tool_calls = [call.to_dict(mode="json") for call in message.tool_calls or []]
        return LLMResponse(
            content=message.content,
            tool_calls=tool_calls or None,
            usage=usage_of(completion.usage),
            model=completion.model or self.model,
            finish_reason=choice.finish_reason,
        )

    def _error(self, exc: Exception) -> LLMError:
        import openai

        where = f"{self.provider} model {self.model!r} at {self.base_url}"
        if isinstance(exc, openai.APITimeoutError):
            text = f"{where}: the request timed out (timeout={self._client.timeout})"
        elif isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            text = f"{where}: cannot connect ({cause or exc})"
        elif isinstance(exc, openai.APIStatusError):
            text = f"{where}: HTTP {exc.status_code}: {_provider_message(exc)}"
        else:
            text = f"{where}: {exc}"
        return LLMError(text)

    @contextlib.contextmanager
    def _translating(self) -> Iterator[None]:
        """Turn any error of the ``openai`` package into :class:`LLMError`."""
        import openai

        try:
            yield
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc

    def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> LLMResponse:
        """One answer to ``messages``."""
        params = self._params(messages, tools, options)
        with self._translating():
            return self._response(self._client.chat.completions.create(**params))

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> LLMResponse:
        """:meth:`complete`, without blocking the event loop."""
        params = self._params(messages, tools, options)
        with self._translating():
            return self._response(await self.aclient.chat.completions.create(**params))

    def stream(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> Iterator[str]:
        """Yield text deltas; then ``last_response`` holds the assembled answer."""
        params = self._stream_params(messages, tools, options)
        assembler = StreamAssembler(self.model)
        self.last_response = None
        with self._translating(), self._client.chat.completions.create(**params) as chunks:
            for chunk in chunks:
                if text := assembler.add(chunk):
                    yield text
        self.last_response = assembler.response()

    async def astream(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> AsyncIterator[str]:
        """The async twin of :meth:`stream`."""
        params = self._stream_params(messages, tools, options)
        assembler = StreamAssembler(self.model)
        self.last_response = None
        with self._translating():
            async with await self.aclient.chat.completions.create(**params) as chunks:
                async for chunk in chunks:
                    if text := assembler.add(chunk):
                        yield text
        self.last_response = assembler.response()

    def __repr__(self) -> str:
        return f"<OpenAILLM {self.provider}/{self.model} at {self.base_url}>"


def _provider_message(exc: Any) -> str:
    """The ``error.message`` of an OpenAI-style error body, else the SDK's message."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(inner, str):
            return inner
    return str(exc.message)


# --- factories (registered in tether.llm.builtin) ---------------------------------------


def openai_llm(model: str | None = None, **options: Any) -> OpenAILLM:
    """OpenAI or any server at ``base_url`` / ``OPENAI_BASE_URL``."""
    model = model or os.environ.get("TETHER_MODEL") or DEFAULT_OPENAI_MODEL
    base_url = options.get("base_url") or os.environ.get("OPENAI_BASE_URL")
    if base_url:
        options["base_url"] = base_url
        if not options.get("api_key") and not os.environ.get("OPENAI_API_KEY"):
            options["api_key"] = NO_KEY
    return OpenAILLM(model, provider="openai", **options)


def azure_llm(model: str | None = None, **options: Any) -> OpenAILLM:
    """An Azure OpenAI deployment; ``model`` is the deployment name."""
    if not model:
        raise LLMError("azure needs a deployment name: azure/<deployment>")
    return OpenAILLM(model, provider="azure", azure=True, **options)


def compatible_llm(server: CompatibleServer):
    """A factory for ``server``: base URL from ``base_url=``, ``<NAME>_BASE_URL`` or the
    server's default; key from ``api_key=``, ``<NAME>_API_KEY`` or none."""

    def factory(model: str | None = None, **options: Any) -> OpenAILLM:
        if not model:
            raise LLMError(f"{server.name} needs a model name: {server.name}/<model>")
        prefix = server.env_prefix
        options["base_url"] = (
            options.get("base_url")
            or os.environ.get(f"{prefix}_BASE_URL")
            or server.default_base_url
        )
        options["api_key"] = options.get("api_key") or os.environ.get(f"{prefix}_API_KEY") or NO_KEY
        return OpenAILLM(model, provider=server.name, **options)

    factory.__doc__ = f"{server.description}, default {server.default_base_url}"
    return factory
