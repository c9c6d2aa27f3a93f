"""Session.save / Session.load: JSON with a schema version; pickles are refused unread."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from tether import Session
from tether.errors import (
    CorruptDataError,
    InvalidInputError,
    SchemaVersionError,
    SessionExistsError,
)

TOOL_CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


@pytest.fixture
def saved(tmp_path):
    session = Session(session_id="alice", user_id="u1", db="memory://")
    session.add_message("user", "My name is Alice ✓")
    session.add_message({"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]})
    session.add_message("tool", "ok", tool_call_id="c1")
    session.save_state({"topic": "Python"})
    session.create_run().start().complete(tokens_used=7)
    path = Path(session.save(tmp_path / "sessions" / "alice.json"))
    return session, path


def test_the_file_is_versioned_json(saved):
    _, path = saved
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "tether-session" and document["schema_version"] == 1
    assert document["session"]["info"]["session_id"] == "alice"
    assert not list(path.parent.glob("*.tmp"))


def test_load_restores_history_state_and_runs(saved):
    original, path = saved
    restored = Session.load(path, db="memory://")
    assert (restored.session_id, restored.user_id) == ("alice", "u1")
    assert restored.get_history() == original.get_history()
    assert restored.restore_state() == {"topic": "Python"}
    assert [r.usage.total_tokens for r in restored.runs] == [7]
    restored.add_message("user", "continuing")
    assert len(restored.get_history()) == 4


def test_load_into_a_store_holding_the_session_needs_replace(saved):
    original, path = saved
    original.add_message("user", "newer")
    with pytest.raises(SessionExistsError, match="replace=True"):
        Session.load(path, db=original.store)
    assert len(original.get_history()) == 4
    Session.load(path, db=original.store, replace=True)
    assert len(original.get_history()) == 3
    copy = Session.load(path, db=original.store, session_id="alice-copy")
    assert copy.session_id == "alice-copy" and len(copy.get_history()) == 3


def test_a_pickle_file_is_refused_without_being_unpickled(tmp_path):
    marker = tmp_path / "unpickled"

    class Trap:
        def __reduce__(self):
            return (Path.touch, (marker,))

    for protocol in (0, 2, pickle.HIGHEST_PROTOCOL):
        path = tmp_path / f"session{protocol}.pkl"
        path.write_bytes(pickle.dumps(Trap(), protocol=protocol))
        with pytest.raises(InvalidInputError, match="pickle"):
            Session.load(path, db="memory://")
    assert not marker.exists()


def test_foreign_or_newer_files_are_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("not json at all", encoding="utf-8")
    with pytest.raises(CorruptDataError, match="not a tether session file"):
        Session.load(path, db="memory://")
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(CorruptDataError, match="format"):
        Session.load(path, db="memory://")
    path.write_text('{"format": "tether-session", "schema_version": 99}', encoding="utf-8")
    with pytest.raises(SchemaVersionError, match="99"):
        Session.load(path, db="memory://")
    path.write_text(
        '{"format": "tether-session", "schema_version": 1, "session": {}}', encoding="utf-8"
    )
    with pytest.raises(CorruptDataError, match="invalid session"):
        Session.load(path, db="memory://")


def test_save_overwrites_atomically(saved):
    session, path = saved
    session.add_message("user", "one more")
    session.save(path)
    assert len(json.loads(path.read_text())["session"]["messages"]) == 4
