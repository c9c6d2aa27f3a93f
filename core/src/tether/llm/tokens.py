"""Token counting for context budgets. Pluggable through ``register_token_counters``.

The built-in ``approximate`` counter needs no download and no extra package: about four
bytes of UTF-8 text per token (so four ASCII characters, fewer for other scripts) plus a
small fixed overhead per message. It is additive: the count of a list is the sum of the
counts of its messages, which :func:`tether.context.select_messages` relies on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tether.errors import InvalidInputError
from tether.llm.base import check_messages

TokenCounter = Callable[[list[dict[str, Any]]], int]
"""``counter(messages) -> int``: how many tokens ``messages`` take in a prompt."""

DEFAULT_COUNTER = "approximate"
MESSAGE_OVERHEAD = 4
"""Tokens every message costs besides its text (role and separators)."""
IMAGE_TOKENS = 85
"""What a non-text content part (an image, audio) is counted as."""
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def text_tokens(text: str) -> int:
    """About one token per four bytes of UTF-8, rounded up (0 for empty text)."""
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    return (size + 3) // 4


def _content_tokens(content: Any) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return text_tokens(content)
    if isinstance(content, Sequence):
        total = 0
        for part in content:
            if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                total += text_tokens(part["text"])
            else:
                total += IMAGE_TOKENS
        return total
    return text_tokens(str(content))


def approximate_message_tokens(message: Mapping[str, Any]) -> int:
    """The approximate count of one message: content, name, tool calls and overhead."""
    total = MESSAGE_OVERHEAD + _content_tokens(message.get("content"))
    for key in ("name", "tool_call_id"):
        value = message.get(key)
        if isinstance(value, str):
            total += text_tokens(value)
    if message.get("tool_calls"):
        total += text_tokens(_JSON.encode(message["tool_calls"]))
    return total


def approximate(messages: list[dict[str, Any]]) -> int:
    """The built-in counter: the sum of :func:`approximate_message_tokens`."""
    return sum(approximate_message_tokens(m) for m in messages)


def token_counters() -> dict[str, TokenCounter]:
    """Every installed token counter, by name."""
    from tether.plugins import plugin_manager

    found = plugin_manager().collect("register_token_counters")
    return {name: reg.args[1] for name, reg in found.items()}


def get_token_counter(counter: str | TokenCounter | None = None) -> TokenCounter:
    """The counter named ``counter`` (default ``approximate``), or ``counter`` itself if it
    is already a function."""
    if counter is None or counter == DEFAULT_COUNTER:
        return approximate
    if callable(counter):
        return counter
    if not isinstance(counter, str):
        raise InvalidInputError(
            f"counter must be a counter name or a function, not {type(counter).__name__}"
        )
    counters = token_counters()
    if counter not in counters:
        raise InvalidInputError(
            f"no token counter named {counter!r}; installed: {', '.join(sorted(counters))}"
        )
    return counters[counter]


def count_tokens(messages: list[dict[str, Any]], counter: str | TokenCounter | None = None) -> int:
    """How many tokens ``messages`` (OpenAI-style dicts) take, by ``counter``."""
    return get_token_counter(counter)(check_messages(messages))
