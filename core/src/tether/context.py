"""Context assembly: which stored messages to send to a model within a budget.

:func:`select_messages` keeps the leading system prompt(s), then the newest conversation
that fits. An assistant message with ``tool_calls`` and the ``tool`` messages answering it
are one *unit*: it goes in whole or not at all, because models reject a tool result without
its call and a call without all its results. Broken units (a result whose call is gone, a
call missing a result) are never sent.

Units are built from the newest message backwards, only as far as the strategy reads, so a
small budget over a long history costs what is kept, not the whole history.

Strategies live in :data:`STRATEGIES`; each takes the units newest first (an iterator) and
a :class:`Budget` and returns the units to keep, in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tether.errors import InvalidInputError
from tether.llm.base import check_message
from tether.llm.tokens import TokenCounter, get_token_counter


@dataclass
class Unit:
    """Messages that go to a model together: one message, or a tool call with its results."""

    position: int
    """Where the unit's first message stands in the input."""
    messages: list[dict[str, Any]]
    counter: TokenCounter
    _tokens: int | None = None

    @property
    def tokens(self) -> int:
        """Tokens of the unit, counted message by message on first use."""
        if self._tokens is None:
            self._tokens = sum(self.counter([m]) for m in self.messages)
        return self._tokens


@dataclass
class Budget:
    """What is left for the conversation after the system prompts (None: no limit)."""

    tokens: int | None
    messages: int | None

    def fits(self, unit: Unit, used_tokens: int, used_messages: int) -> bool:
        """Whether ``unit`` fits on top of what is already used."""
        if self.messages is not None and used_messages + len(unit.messages) > self.messages:
            return False
        return self.tokens is None or used_tokens + unit.tokens <= self.tokens


Strategy = Callable[[Iterator[Unit], Budget], list[Unit]]


def recent(units_newest_first: Iterator[Unit], budget: Budget) -> list[Unit]:
    """The newest units that fit, stopping at the first that does not (so the kept
    conversation is an unbroken stretch ending at the newest message)."""
    kept: list[Unit] = []
    tokens = messages = 0
    for unit in units_newest_first:
        if not budget.fits(unit, tokens, messages):
            break
        kept.append(unit)
        if budget.tokens is not None:
            tokens += unit.tokens
        messages += len(unit.messages)
    return kept


STRATEGIES: dict[str, Strategy] = {"recent": recent}
"""Context strategies by name."""


def select_messages(
    messages: list[dict[str, Any]],
    *,
    max_tokens: int | None = None,
    max_messages: int | None = None,
    strategy: str = "recent",
    counter: str | TokenCounter | None = None,
) -> list[dict[str, Any]]:
    """The messages to send: leading system prompts, then the newest turns within budget.

    ``max_tokens`` bounds the whole result, system prompts included, counted with
    ``counter`` (a registered counter's name or a function; default ``approximate``) one
    message at a time. ``max_messages`` bounds the messages after the system prompts. Tool
    calls and their results stay together; orphaned results and unanswered calls are left
    out. Returns the original dicts, in order.
    """
    if not isinstance(messages, list):
        raise InvalidInputError(f"messages must be a list of dicts, not {type(messages).__name__}")
    _check_limit("max_tokens", max_tokens)
    _check_limit("max_messages", max_messages)
    if strategy not in STRATEGIES:
        raise InvalidInputError(
            f"unknown context strategy {strategy!r}; available: {', '.join(sorted(STRATEGIES))}"
        )
    count = get_token_counter(counter)
    system = _leading_system(messages)
    tokens_left = None
    if max_tokens is not None:
        system_tokens = sum(count([m]) for m in system)
        if system_tokens > max_tokens:
            raise InvalidInputError(
                f"the system prompt alone takes about {system_tokens} tokens, more than "
                f"max_tokens={max_tokens}"
            )
        tokens_left = max_tokens - system_tokens
    units = _units_newest_first(messages, len(system), count)
    kept = STRATEGIES[strategy](units, Budget(tokens_left, max_messages))
    kept.sort(key=lambda unit: unit.position)
    return system + [m for unit in kept for m in unit.messages]


def _check_limit(name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{name} must be a non-negative integer or None, not {value!r}")


def _leading_system(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for position, message in enumerate(messages):
        if check_message(message, position)["role"] != "system":
            return messages[:position]
    return list(messages)


def _units_newest_first(
    messages: list[dict[str, Any]], start: int, count: TokenCounter
) -> Iterator[Unit]:
    """Units of ``messages[start:]``, newest first, skipping broken tool exchanges.

    A run of ``tool`` messages belongs to the assistant message with ``tool_calls`` right
    before it; a run with no such message before it is orphaned and skipped.
    """
    end = len(messages)
    while end > start:
        head = end - 1
        while head >= start and check_message(messages[head], head)["role"] == "tool":
            head -= 1
        if head < start:
            return  # results whose call is before the window (or gone)
        message = messages[head]
        if message["role"] == "assistant" and message.get("tool_calls"):
            exchange = _exchange(message, messages[head + 1 : end])
            if exchange is not None:
                yield Unit(head, exchange, count)
        else:
            yield Unit(head, [message], count)
        end = head


def _exchange(
    call: Mapping[str, Any], results: list[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """The call with one result per tool call id, or None if a result is missing.

    Results for other ids, and repeated results, are left out.
    """
    ids = _call_ids(call)
    if ids is None:
        return None  # calls without distinct ids can never be answered
    waiting = set(ids)
    kept = [call]
    for result in results:
        call_id = result.get("tool_call_id")
        if call_id in waiting:
            waiting.discard(call_id)
            kept.append(result)
    return kept if not waiting else None


def _call_ids(message: Mapping[str, Any]) -> list[str] | None:
    """The ids of a message's tool calls, or None if any is missing or repeated."""
    calls = message["tool_calls"]
    if not isinstance(calls, list):
        return None
    ids = [call.get("id") if isinstance(call, Mapping) else None for call in calls]
    if any(not isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
        return None
    return ids
