"""The echo model: a debugging stand-in that needs no key and no network.

It never pretends to be a real model: every answer starts with ``[echo model: debugging
only]`` and plainly reports what it received.
"""

from __future__ import annotations

import re
from typing import Any

from tether.llm.base import BaseLLM, LLMResponse, check_messages
from tether.llm.tokens import count_tokens
from tether.models import Usage

PREFIX = "[echo model: debugging only]"
QUOTE_LIMIT = 500
"""Longer last messages are quoted up to this many characters."""


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)
        ]
        others = len(content) - len(texts)
        text = " ".join(texts)
        return text + (f" (+{others} non-text part{'s' * (others != 1)})" if others else "")
    return str(content)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def describe(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> str:
    """The echo model's answer to ``messages``."""
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    earlier = len(messages) - 1 if last_user is not None else len(messages)
    parts = [PREFIX, f"I received {_plural(earlier, 'earlier message')}."]
    if last_user is None:
        parts.append("There was no user message.")
    else:
        text = _text_of(last_user.get("content"))
        if len(text) > QUOTE_LIMIT:
            text = text[:QUOTE_LIMIT] + "..."
        parts.append(f'Your last message was: "{text}".')
    if tools:
        verb = "was" if len(tools) == 1 else "were"
        parts.append(f"{_plural(len(tools), 'tool')} {verb} offered; I call none.")
    return " ".join(parts)


class EchoLLM(BaseLLM):
    """Answers with a plain account of what it received. ``is_debug`` is True."""

    provider = "echo"
    is_debug = True

    def __init__(self, model: str | None = None, **options: Any) -> None:
        self.model = model or "echo"
        self.options = options

    def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> LLMResponse:
        text = describe(check_messages(messages), tools)
        prompt = count_tokens(messages)
        completion = count_tokens([{"role": "assistant", "content": text}])
        usage = Usage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )
        return LLMResponse(content=text, usage=usage, model=self.model, finish_reason="stop")

    def chunks(self, response: LLMResponse) -> list[str]:
        """Word by word, so streaming code paths see several deltas."""
        return re.findall(r"\s*\S+\s*", response.content or "")
