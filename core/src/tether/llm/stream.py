"""Assembling a streamed Chat Completions answer (text and tool-call deltas) into one
:class:`LLMResponse`."""

from __future__ import annotations

from typing import Any

from tether.llm.base import LLMResponse
from tether.models import Usage


def usage_of(raw: Any) -> Usage:
    """A :class:`Usage` from an OpenAI usage object (or None: all zeros)."""
    if raw is None:
        return Usage()
    prompt = getattr(raw, "prompt_tokens", None) or 0
    completion = getattr(raw, "completion_tokens", None) or 0
    total = getattr(raw, "total_tokens", None) or prompt + completion
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total)


class StreamAssembler:
    """Feed it chunks with :meth:`add`; :meth:`response` is the whole answer.

    Only the first choice (index 0) is assembled. Tool calls are keyed by their ``index``:
    the first delta carries ``id``, ``type`` and the function name, later ones append to
    ``function.arguments``.
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self.text: list[str] = []
        self.saw_content = False
        self.calls: dict[int, dict[str, Any]] = {}
        self.usage = Usage()
        self.finish_reason: str | None = None

    def add(self, chunk: Any) -> str | None:
        """Take one chunk; return its text delta, if any."""
        if getattr(chunk, "model", None):
            self.model = chunk.model
        if getattr(chunk, "usage", None) is not None:
            self.usage = usage_of(chunk.usage)
        text = None
        for choice in chunk.choices or []:
            if choice.index != 0:
                continue
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
            delta = choice.delta
            if delta is None:
                continue
            if delta.content is not None:
                self.saw_content = True
                if delta.content:
                    text = delta.content
                    self.text.append(text)
            for call in delta.tool_calls or []:
                self._add_call(call)
        return text

    def _add_call(self, delta: Any) -> None:
        position = delta.index if delta.index is not None else len(self.calls)
        call = self.calls.setdefault(
            position, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
        )
        if delta.id:
            call["id"] = delta.id
        if delta.type:
            call["type"] = delta.type
        function = delta.function
        if function is not None:
            if function.name:
                call["function"]["name"] += function.name
            if function.arguments:
                call["function"]["arguments"] += function.arguments

    def response(self) -> LLMResponse:
        """The assembled answer."""
        content = "".join(self.text) if self.text or self.saw_content else None
        calls = [self.calls[i] for i in sorted(self.calls)]
        return LLMResponse(
            content=content if content or not calls else None,
            tool_calls=calls or None,
            usage=self.usage,
            model=self.model,
            finish_reason=self.finish_reason,
        )
