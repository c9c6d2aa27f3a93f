"""Context assembly: which stored messages to send to a model within a budget.

:func:`select_messages` keeps the leading system prompt(s), then the newest conversation
that fits. An assistant message with ``tool_calls`` and the ``tool`` messages answering it
are one *unit*: it goes in whole or not at all, because models reject a tool result without
its call and a call without all its results. Broken units (a result whose call is gone, a
call missing a result) are never sent.

Strategies live in :data:`STRATEGIES`; each takes the units newest first and a
:class:`Budget` and returns the units to keep (in any order: the result is sorted back into
conversation order).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tether.errors import InvalidInputError
from tether.llm.base import check_messages
from tether.llm.tokens import TokenCounter, get_token_counter


@dataclass
class Unit:
    """Messages that go to a model together: one message, or a tool call with its results."""

    position: int
    """Where the unit stands in the conversation (0 = oldest)."""
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
        if self.messages is not None and used_messages + len(unit.messages) > self.messages:
            return False
        return self.tokens is None or used_tokens + unit.tokens <= self.tokens


Strategy = Callable[[list[Unit], Budget], list[Unit]]


def recent(units_newest_first: list[Unit], budget: Budget) -> list[Unit]:
    """The newest units that fit, stopping at the first that does not (so the kept
    conversation is an unbroken stretch ending at the newest message)."""
    kept: list[Unit] = []
    tokens = messages = 0
    for unit in units_newest_first:
        if not budget.fits(unit, tokens, messages):
            break
        kept.append(unit)
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
    check_messages(messages)
    _check_limit("max_tokens", max_tokens)
    _check_limit("max_messages", max_messages)
    if strategy not in STRATEGIES:
        raise InvalidInputError(
            f"unknown context strategy {strategy!r}; available: {', '.join(sorted(STRATEGIES))}"
        )
    count = get_token_counter(counter)
    split = _leading_system_count(messages)
    system = messages[:split]
    tokens_left = None
    if max_tokens is not None:
        system_tokens = sum(count([m]) for m in system)
        if system_tokens > max_tokens:
            raise InvalidInputError(
                f"the system prompt alone takes about {system_tokens} tokens, more than "
                f"max_tokens={max_tokens}"
            )
        tokens_left = max_tokens - system_tokens
    units = _units(messages[split:], count)
    kept = STRATEGIES[strategy](units[::-1], Budget(tokens_left, max_messages))
    kept.sort(key=lambda unit: unit.position)
    return system + [m for unit in kept for m in unit.messages]


def _check_limit(name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{name} must be a non-negative integer or None, not {value!r}")


def _leading_system_count(messages: list[dict[str, Any]]) -> int:
    for position, message in enumerate(messages):
        if message["role"] != "system":
            return position
    return len(messages)


def _units(messages: list[dict[str, Any]], count: TokenCounter) -> list[Unit]:
    """Group ``messages`` into units, oldest first, dropping broken tool exchanges."""
    groups: list[list[dict[str, Any]]] = []
    call: list[dict[str, Any]] | None = None  # an assistant tool call and its results so far
    waiting: set[str] = set()

    def close() -> None:
        if call is not None and not waiting:
            groups.append(call)

    for message in messages:
        role = message["role"]
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call is not None and call_id in waiting:
                waiting.discard(call_id)
                call.append(message)
            continue  # a result without its call (or a repeated one) is never sent
        close()
        call = None
        if role == "assistant" and message.get("tool_calls"):
            ids = _call_ids(message)
            if ids is not None:
                call, waiting = [message], set(ids)
            # else: calls without distinct ids can never be answered; the message is dropped
        else:
            groups.append([message])
    close()
    return [Unit(position, group, count) for position, group in enumerate(groups)]


def _call_ids(message: Mapping[str, Any]) -> list[str] | None:
    """The ids of a message's tool calls, or None if any is missing or repeated."""
    ids = [call.get("id") if isinstance(call, Mapping) else None for call in message["tool_calls"]]
    if any(not isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
        return None
    return ids
