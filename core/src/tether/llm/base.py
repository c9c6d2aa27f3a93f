"""What every language model looks like to tether: :class:`LLM` and :class:`LLMResponse`.

:class:`BaseLLM` is an optional base class for plugin authors: implement ``complete`` and
it provides ``acomplete``, ``stream`` and ``astream`` (one chunk, run in a thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from tether.errors import InvalidInputError
from tether.models import Usage


def check_message(message: Any, position: int) -> Mapping[str, Any]:
    """Raise :class:`InvalidInputError` unless ``message`` is a dict with a string role."""
    if not isinstance(message, Mapping):
        raise InvalidInputError(f"messages[{position}] is a {type(message).__name__}, not a dict")
    if not isinstance(message.get("role"), str):
        raise InvalidInputError(f"messages[{position}] has no 'role'")
    return message


def check_messages(messages: Any) -> list[dict[str, Any]]:
    """Raise :class:`InvalidInputError` unless ``messages`` is a list of dicts with a role."""
    if not isinstance(messages, list):
        raise InvalidInputError(f"messages must be a list of dicts, not {type(messages).__name__}")
    for position, message in enumerate(messages):
        check_message(message, position)
    return messages


class LLMResponse(BaseModel):
    """One answer of a model."""

    content: str | None
    tool_calls: list[dict[str, Any]] | None = None
    """Tool calls in OpenAI format, passed through unchanged."""
    usage: Usage = Field(default_factory=Usage)
    model: str
    finish_reason: str | None = None

    def to_message(self) -> dict[str, Any]:
        """The answer as an OpenAI-style assistant message dict."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        return message


@runtime_checkable
class LLM(Protocol):
    """A language model. ``messages`` are OpenAI-style dicts (``Message.to_llm()``)."""

    model: str
    provider: str
    is_debug: bool

    def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> LLMResponse: ...

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> LLMResponse: ...

    def stream(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> Iterator[str]:
        """Yield text deltas; afterwards ``self.last_response`` holds the whole answer."""
        ...

    def astream(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> AsyncIterator[str]: ...


class BaseLLM:
    """Convenience base: subclasses implement :meth:`complete`; the rest is derived."""

    model: str = ""
    provider: str = ""
    is_debug: bool = False
    last_response: LLMResponse | None = None

    def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> LLMResponse:
        raise NotImplementedError

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> LLMResponse:
        """:meth:`complete` in a worker thread."""
        return await asyncio.to_thread(self.complete, messages, tools=tools, **options)

    def chunks(self, response: LLMResponse) -> list[str]:
        """How :meth:`stream` splits a finished answer (one chunk unless overridden)."""
        return [response.content] if response.content else []

    def stream(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> Iterator[str]:
        """Yield the answer of :meth:`complete` in :meth:`chunks`."""
        self.last_response = None
        response = self.complete(messages, tools=tools, **options)
        self.last_response = response
        yield from self.chunks(response)

    async def astream(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> AsyncIterator[str]:
        """Yield the answer of :meth:`acomplete` in :meth:`chunks`."""
        self.last_response = None
        response = await self.acomplete(messages, tools=tools, **options)
        self.last_response = response
        for chunk in self.chunks(response):
            yield chunk

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.provider}/{self.model}>"
