"""select_messages: system prompts first, newest turns within budget, tool calls kept whole."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tether.context import STRATEGIES, select_messages
from tether.errors import InvalidInputError
from tether.llm.tokens import count_tokens


def call(call_id: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": "f", "arguments": "{}"}}


def tool_use(*ids: str) -> dict:
    return {"role": "assistant", "content": None, "tool_calls": [call(i) for i in ids]}


def result(call_id: str, content: str = "ok") -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


SYSTEM = {"role": "system", "content": "You are terse."}


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict:
    return {"role": "assistant", "content": text}


# --- examples ------------------------------------------------------------------------------


def test_no_limits_returns_everything_valid_in_order():
    messages = [SYSTEM, user("a"), tool_use("c1"), result("c1"), assistant("b"), user("c")]
    assert select_messages(messages) == messages
    assert all(x is y for x, y in zip(select_messages(messages), messages, strict=True))


def test_max_messages_keeps_the_newest_and_the_system_prompt():
    messages = [SYSTEM, user("1"), assistant("2"), user("3"), assistant("4")]
    assert select_messages(messages, max_messages=2) == [SYSTEM, user("3"), assistant("4")]
    assert select_messages(messages, max_messages=0) == [SYSTEM]


def test_tool_exchange_goes_in_whole_or_not_at_all():
    messages = [SYSTEM, user("q"), tool_use("a", "b"), result("a"), result("b"), assistant("done")]
    # 4 messages fit only with the whole exchange (3 messages) plus the answer.
    assert select_messages(messages, max_messages=4) == [SYSTEM, *messages[2:]]
    assert select_messages(messages, max_messages=3) == [SYSTEM, assistant("done")]


def test_max_tokens_counts_the_system_prompt():
    messages = [SYSTEM, user("x" * 40), assistant("y" * 40)]
    per = count_tokens([messages[1]])
    system = count_tokens([SYSTEM])
    assert select_messages(messages, max_tokens=system + per) == [SYSTEM, messages[2]]
    assert select_messages(messages, max_tokens=system + 2 * per) == messages
    assert select_messages(messages, max_tokens=system) == [SYSTEM]


def test_system_prompt_larger_than_budget_is_an_error():
    with pytest.raises(InvalidInputError, match="system prompt"):
        select_messages([SYSTEM, user("hi")], max_tokens=1)


def test_orphaned_results_at_the_start_are_dropped():
    # The call of "c0" was trimmed away (retention or a last-N read).
    messages = [result("c0"), assistant("after"), user("next")]
    assert select_messages(messages) == messages[1:]


def test_unanswered_call_is_left_out():
    messages = [user("q"), tool_use("a", "b"), result("a")]
    assert select_messages(messages) == [user("q")]


def test_only_leading_system_messages_are_pinned():
    late = {"role": "system", "content": "late note"}
    messages = [SYSTEM, user("1"), late, user("2")]
    assert select_messages(messages, max_messages=1) == [SYSTEM, user("2")]
    assert select_messages(messages, max_messages=2) == [SYSTEM, late, user("2")]


def test_calls_without_ids_or_with_repeated_ids_are_never_sent():
    no_id = {"role": "assistant", "content": None, "tool_calls": [{"type": "function"}]}
    repeated = tool_use("x", "x")
    messages = [user("q"), no_id, result("x"), repeated, result("x"), assistant("a")]
    assert select_messages(messages) == [user("q"), assistant("a")]


def test_unknown_strategy_lists_strategies():
    with pytest.raises(InvalidInputError, match="recent"):
        select_messages([], strategy="summary")
    assert "recent" in STRATEGIES


@pytest.mark.parametrize(
    "kwargs",
    [{"max_tokens": -1}, {"max_messages": 1.5}, {"max_tokens": True}, {"max_messages": "3"}],
)
def test_bad_limits(kwargs):
    with pytest.raises(InvalidInputError):
        select_messages([user("x")], **kwargs)


def test_bad_messages():
    with pytest.raises(InvalidInputError):
        select_messages([user("x"), None])
    with pytest.raises(InvalidInputError):
        select_messages([{"content": "no role"}])


def test_counter_can_be_a_function():
    messages = [user("1"), user("2"), user("3")]
    assert select_messages(messages, max_tokens=2, counter=lambda ms: len(ms)) == messages[1:]


# --- properties ----------------------------------------------------------------------------

TEXT = st.text(alphabet="ab cé日\n{}\"'", max_size=60)


@st.composite
def conversations(draw):
    """(messages, good): a random conversation and which messages a model may be sent."""
    ids = itertools.count()
    messages: list[dict] = []
    good: list[bool] = []

    def add(message: dict, ok: bool) -> None:
        messages.append(message)
        good.append(ok)

    for _ in range(draw(st.integers(0, 2))):
        add({"role": "system", "content": draw(TEXT)}, True)
    events = st.sampled_from(["user", "assistant", "system", "tools", "orphan"])
    for event in draw(st.lists(events, max_size=25)):
        if event in ("user", "assistant", "system"):
            add({"role": event, "content": draw(TEXT)}, True)
        elif event == "orphan":
            add(result(f"orphan{next(ids)}", draw(TEXT)), False)
        else:
            call_ids = [f"c{next(ids)}" for _ in range(draw(st.integers(1, 3)))]
            answered = draw(st.lists(st.sampled_from(call_ids), unique=True, max_size=3))
            answered = draw(st.permutations(answered))
            complete = len(answered) == len(call_ids)
            add(tool_use(*call_ids), complete)
            for call_id in answered:
                add(result(call_id, draw(TEXT)), complete)
            if complete and answered and draw(st.booleans()):
                add(result(answered[0], "duplicate"), False)
    return messages, good


def leading_system(messages: list[dict]) -> list[dict]:
    out = []
    for m in messages:
        if m["role"] != "system":
            break
        out.append(m)
    return out


def assert_pair_complete(selected: list[dict]) -> None:
    waiting: set[str] | None = None
    for m in selected:
        if m["role"] == "tool":
            assert waiting is not None and m["tool_call_id"] in waiting, "result without call"
            waiting.discard(m["tool_call_id"])
            continue
        assert not waiting, "call without all its results"
        waiting = {c["id"] for c in m["tool_calls"]} if m.get("tool_calls") else None
    assert not waiting, "call without all its results"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), conversation=conversations())
def test_selection_is_a_pair_complete_suffix_within_budget(data, conversation):
    messages, good = conversation
    valid = [m for m, ok in zip(messages, good, strict=True) if ok]
    assert select_messages(messages) == valid  # no budget: exactly what may be sent

    system = leading_system(messages)
    system_tokens = count_tokens(system)
    total = count_tokens(messages)
    max_tokens = data.draw(st.none() | st.integers(system_tokens, system_tokens + total))
    max_messages = data.draw(st.none() | st.integers(0, len(messages)))
    selected = select_messages(messages, max_tokens=max_tokens, max_messages=max_messages)

    # a subsequence of the input (the same dict objects, in order) ...
    positions = [next(i for i, m in enumerate(messages) if m is s) for s in selected]
    assert positions == sorted(set(positions))
    # ... with the system prompts first, then a suffix of what may be sent
    assert selected[: len(system)] == system
    conversation_part = selected[len(system) :]
    valid_part = valid[len(system) :]
    assert valid_part[len(valid_part) - len(conversation_part) :] == conversation_part
    assert_pair_complete(selected)
    # within budget
    if max_tokens is not None:
        assert count_tokens(selected) <= max_tokens
    if max_messages is not None:
        assert len(conversation_part) <= max_messages
    # and as long as the budget allows: the next older unit would not have fitted
    dropped = valid_part[: len(valid_part) - len(conversation_part)]
    if dropped:
        start = max(i for i, m in enumerate(dropped) if m["role"] != "tool")
        unit = dropped[start:]
        too_many = max_messages is not None and len(conversation_part) + len(unit) > max_messages
        too_long = max_tokens is not None and count_tokens(selected + unit) > max_tokens
        assert too_many or too_long


def test_small_budget_over_long_history_counts_only_what_it_keeps():
    counted: list[dict] = []

    def counter(messages):
        counted.extend(messages)
        return 10 * len(messages)

    history = [SYSTEM] + [user(str(i)) for i in range(10_000)]
    selected = select_messages(history, max_tokens=10 + 50, counter=counter)
    assert selected == [SYSTEM, *history[-5:]]
    assert len(counted) == 1 + 6  # the system prompt, five kept, one that did not fit
