"""Session history, context selection, checkpoints and runs."""

from __future__ import annotations

import pytest

from tether import Session
from tether.errors import InvalidInputError, InvalidMessageError

TOOL_CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


@pytest.fixture
def session():
    with Session(session_id="s", db="memory://") as session:
        yield session


def test_add_message_and_get_history(session):
    stored = session.add_message("user", "hello", metadata={"k": 1})
    assert stored.index == 0 and stored.metadata == {"k": 1}
    session.add_message({"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]})
    session.add_message("tool", "42", tool_call_id="c1", name="f")
    assert session.get_history() == [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
        {"role": "tool", "content": "42", "name": "f", "tool_call_id": "c1"},
    ]
    assert session.messages == session.get_history()


def test_set_history_replaces_and_bad_input_destroys_nothing(session):
    session.add_message("user", "keep me")
    with pytest.raises(InvalidMessageError):
        session.set_history([{"role": "user", "content": "ok"}, {"role": "wizard"}])
    assert [m["content"] for m in session.get_history()] == ["keep me"]
    session.set_history([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}])
    assert [m["content"] for m in session.get_history()] == ["a", "b"]
    session.set_history([])
    assert session.get_history() == []


def test_messages_for_llm_never_split_a_tool_call_from_its_result(session):
    session.add_message("user", "question " * 50)
    session.add_message({"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]})
    session.add_message("tool", "result", tool_call_id="c1")
    session.add_message("assistant", "answer")
    recent = session.get_messages_for_llm(max_messages=2, strategy="recent")
    assert [m["content"] for m in recent] == ["answer"]
    three = session.get_messages_for_llm(max_messages=3)
    assert [m["role"] for m in three] == ["assistant", "tool", "assistant"]
    small = session.get_messages_for_llm(max_tokens=40)
    assert small[0]["role"] != "tool"
    assert len(session.get_messages_for_llm()) == 4
    with pytest.raises(InvalidInputError, match="strategy"):
        session.get_messages_for_llm(strategy="random")


def test_checkpoints_branch_a_conversation(session):
    session.add_message("user", "let's plan")
    session.set_state("approach", None)
    branch_point = session.create_checkpoint("before approaches")
    session.add_message("user", "What if we use approach A?")
    session.set_state("approach", "A")
    session.restore_checkpoint(branch_point)
    assert [m["content"] for m in session.get_history()] == ["let's plan"]
    assert session.get_state("approach") is None
    session.add_message("user", "What if we use approach B?")
    assert len(session.get_history()) == 2
    assert [c.label for c in session.list_checkpoints()] == ["before approaches"]


def test_runs_are_tracked_and_stored(session):
    run = session.create_run(metadata={"task": "hello"})
    assert run.status == "pending" and run.duration is None
    run.start()
    assert run.status == "running" and run.duration >= 0
    run.complete(tokens_used=150)
    assert run.status == "completed" and run.usage.total_tokens == 150
    failing = session.create_run().start()
    failing.fail(RuntimeError("model down"))
    stored = session.runs
    assert [(r.run_id, r.status) for r in stored] == [
        (run.id, "completed"),
        (failing.id, "failed"),
    ]
    assert stored[1].error == "RuntimeError: model down"
    assert stored[0].metadata == {"task": "hello"} and stored[0].duration == run.duration


def test_a_run_ends_once(session):
    run = session.create_run().start()
    run.complete()
    with pytest.raises(InvalidInputError, match="already ended"):
        run.fail("late")
    with pytest.raises(InvalidInputError, match="already started"):
        run.start()
    with pytest.raises(InvalidInputError, match="tokens_used"):
        session.create_run().complete(tokens_used=-1)


def test_a_run_as_a_context_manager(session):
    with session.create_run() as ok:
        pass
    with pytest.raises(ValueError), session.create_run() as bad:
        raise ValueError("nope")
    assert (ok.status, bad.status) == ("completed", "failed")
    assert session.runs[-1].error == "ValueError: nope"
