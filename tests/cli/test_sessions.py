"""tether session list | show | delete | fork | snapshot | revert | prune, end to end."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import seed


@pytest.fixture
def seeded(isolated_home):
    seed()
    from tether import open_store

    with open_store() as store:
        yield store


def test_list_empty(tether):
    result = tether("session", "list")
    assert result.code == 0, result
    assert result.out.startswith("No sessions in file://")
    assert json.loads(tether("session", "list", "--json").out) == []


def test_list_table_user_filter_and_limit(tether, seeded):
    table = tether("session", "list")
    assert table.code == 0, table
    lines = table.out.splitlines()
    assert lines[0].split() == ["SESSION", "USER", "TITLE", "MESSAGES", "UPDATED", "FORKED", "FROM"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["demo", "bob"],
        ["demo-fork", "default_user"],
        ["demo", "default_user"],
    ]
    rows = json.loads(tether("session", "list", "--json").out)
    assert [(r["session_id"], r["user_id"], r["message_count"]) for r in rows] == [
        ("demo", "bob", 1),
        ("demo-fork", "default_user", 2),
        ("demo", "default_user", 4),
    ]
    assert rows[1]["parent_id"] == "demo" and rows[1]["fork_index"] == 1
    bob = json.loads(tether("session", "list", "--user", "bob", "--json").out)
    assert [(r["session_id"], r["user_id"]) for r in bob] == [("demo", "bob")]
    limited = json.loads(tether("session", "list", "--limit", "2", "--json").out)
    assert len(limited) == 2


def test_show_text(tether, seeded):
    result = tether("session", "show", "demo")
    assert result.code == 0, result
    out = result.out
    assert out.startswith("Session demo\n")
    assert "title:       Demo chat" in out
    assert "[0] user" in out and "What is 6 x 7?" in out
    assert 'multiply({"a": 6, "b": 7})' in out
    assert "answering call_1" in out
    assert "6 x 7 = 42 ✓" in out
    assert '"step": 2' in out
    assert "Snapshots (1)" in out and "answered" in out
    assert "Runs (1)" in out and "completed" in out


def test_show_json_and_other_user(tether, seeded):
    data = json.loads(tether("session", "show", "demo", "--json").out)
    assert set(data) == {"session", "messages", "state", "snapshots", "runs"}
    assert [m["index"] for m in data["messages"]] == [0, 1, 2, 3]
    assert data["messages"][1]["tool_calls"][0]["function"]["name"] == "multiply"
    assert data["state"] == {"step": 2, "lang": "en"}
    assert data["snapshots"][0]["label"] == "answered"
    assert data["runs"][0]["status"] == "completed"
    last = json.loads(tether("session", "show", "demo", "--last", "1", "--json").out)
    assert [m["content"] for m in last["messages"]] == ["6 x 7 = 42 ✓"]
    bob = json.loads(tether("session", "show", "demo", "--user", "bob", "--json").out)
    assert [m["content"] for m in bob["messages"]] == ["bob's"]


def test_delete_asks_first(tether, seeded):
    declined = tether("session", "delete", "demo", input="n\n")
    assert declined.code == 1, declined
    assert "Delete session 'demo' of user 'default_user' (4 messages)? [y/N]" in declined.out
    assert seeded.session_exists("demo")
    no_answer = tether("session", "delete", "demo")  # stdin closed: never deletes
    assert no_answer.code == 1
    assert seeded.session_exists("demo")
    accepted = tether("session", "delete", "demo", input="y\n")
    assert accepted.code == 0, accepted
    assert "Deleted session demo." in accepted.out
    assert not seeded.session_exists("demo")
    assert seeded.session_exists("demo", user_id="bob")
    assert seeded.count_messages("demo-fork") == 2  # forks live on


def test_delete_yes_and_missing(tether, seeded):
    result = tether("session", "delete", "demo", "--user", "bob", "--yes")
    assert result.code == 0, result
    assert not seeded.session_exists("demo", user_id="bob")
    assert seeded.session_exists("demo")
    missing = tether("session", "delete", "demo", "--user", "bob", "--yes")
    assert missing.code == 1
    assert missing.err.startswith("error: no session 'demo' for user 'bob'")


def test_fork_variants(tether, seeded):
    whole = tether("session", "fork", "demo", "--new-id", "copy", "--title", "Copy")
    assert whole.code == 0, whole
    assert whole.out == "Forked demo into copy (4 messages).\n"
    info = seeded.get_session("copy")
    assert (info.parent_id, info.title, info.message_count) == ("demo", "Copy", 4)
    assert seeded.load_state("copy") == {"step": 2, "lang": "en"}

    at = json.loads(tether("session", "fork", "demo", "--at", "1", "--json").out)
    assert at["parent_id"] == "demo" and at["message_count"] == 1
    assert [m.content for m in seeded.get_messages(at["session_id"])] == ["What is 6 x 7?"]

    seeded.append_message("demo", {"role": "user", "content": "after the snapshot"})
    seeded.set_state_value("demo", "step", 3)
    snap = seeded.list_snapshots("demo")[0]
    from_snap = tether("session", "fork", "demo", "--snapshot", snap.snapshot_id, "--new-id", "s")
    assert from_snap.code == 0, from_snap
    assert seeded.count_messages("s") == 4
    assert seeded.load_state("s")["step"] == 2

    both = tether("session", "fork", "demo", "--at", "1", "--snapshot", snap.snapshot_id)
    assert both.code == 2
    taken = tether("session", "fork", "demo", "--new-id", "copy")
    assert taken.code == 1 and "copy" in taken.err
    too_far = tether("session", "fork", "demo", "--at", "99")
    assert too_far.code == 1 and "outside the session's history" in too_far.err


def test_snapshot_then_revert(tether, seeded):
    made = json.loads(tether("session", "snapshot", "demo", "--label", "before", "--json").out)
    assert made["label"] == "before" and made["position"] == 4
    seeded.append_message("demo", {"role": "user", "content": "a mistake"})
    seeded.set_state_value("demo", "step", 99)
    text = tether("session", "snapshot", "demo")
    assert text.code == 0 and text.out.startswith("Snapshot ") and "at position 5" in text.out

    result = tether("session", "revert", "demo", made["snapshot_id"])
    assert result.code == 0, result
    assert (
        result.out
        == f"Reverted demo to snapshot {made['snapshot_id']} (before): 4 messages left.\n"
    )
    assert seeded.count_messages("demo") == 4
    assert seeded.load_state("demo")["step"] == 2

    unknown = tether("session", "revert", "demo", "nope")
    assert unknown.code == 1 and "no snapshot 'nope'" in unknown.err
    assert seeded.count_messages("demo") == 4


def test_snapshots_by_label(tether, seeded):
    seeded.append_message("demo", {"role": "user", "content": "more"})
    by_label = tether("session", "revert", "demo", "answered")
    assert by_label.code == 0, by_label
    assert seeded.count_messages("demo") == 4
    fork = tether("session", "fork", "demo", "--snapshot", "answered", "--new-id", "f", "--json")
    assert json.loads(fork.out)["message_count"] == 4
    tether("session", "snapshot", "demo", "--label", "answered")
    ambiguous = tether("session", "revert", "demo", "answered")
    assert ambiguous.code == 1
    assert "2 snapshots of session 'demo' are labelled 'answered'" in ambiguous.err


def _age(store, session_id: str, days: int, user_id: str = "default_user") -> None:
    """Make a session look ``days`` old, through export/import (timestamps kept verbatim)."""
    from datetime import timedelta

    data = store.export_session(session_id, user_id=user_id)
    data.info.updated_at -= timedelta(days=days)
    data.info.created_at -= timedelta(days=days)
    store.import_session(data, replace=True)


def test_prune_older_than(tether, seeded):
    _age(seeded, "demo", 40)
    _age(seeded, "demo", 10, user_id="bob")
    nothing = tether("session", "prune", "--older-than", "60d")
    assert nothing.code == 0, nothing
    assert nothing.out == "Deleted 0 old sessions.\n"

    declined = tether("session", "prune", "--older-than", "30d", input="n\n")
    assert declined.code == 1
    assert "delete 1 session not updated since" in declined.out
    assert seeded.session_exists("demo")

    result = tether("session", "prune", "--older-than", "1w", "--yes", "--json")
    assert result.code == 0, result
    assert json.loads(result.out) == {
        "deleted": [
            {"session_id": "demo", "user_id": "bob"},
            {"session_id": "demo", "user_id": "default_user"},
        ],
        "expired_purged": 0,
    }
    assert [i.session_id for i in seeded.list_sessions().items] == ["demo-fork"]


def test_prune_older_than_one_user(tether, seeded):
    _age(seeded, "demo", 40)
    _age(seeded, "demo", 40, user_id="bob")
    result = tether("session", "prune", "--older-than", "30d", "--user", "bob", "--yes")
    assert result.code == 0, result
    assert result.out == "Deleted 1 old session.\n"
    assert seeded.session_exists("demo") and not seeded.session_exists("demo", user_id="bob")


def test_prune_expired(tether, seeded):
    seeded.create_session("brief", ttl=0)  # expires at once
    assert not seeded.session_exists("brief")
    declined = tether("session", "prune", "--expired", input="n\n")
    assert declined.code == 1
    assert "purge every expired session" in declined.out
    result = tether("session", "prune", "--expired", "--yes")
    assert result.code == 0, result
    assert result.out == "Purged 1 expired session.\n"
    assert seeded.session_exists("demo")
