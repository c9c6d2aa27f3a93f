"""HierarchicalSessionStore: snapshots, forks, reverts, trees, export/import on every backend."""

from __future__ import annotations

import json

import pytest

from tether import HierarchicalSessionStore
from tether.errors import InvalidInputError, SessionExistsError, SnapshotNotFoundError


@pytest.fixture
def hs(store_url):
    with HierarchicalSessionStore(store_url) as store:
        yield store


def contents(hs, session_id):
    return [m["content"] for m in hs.get_messages(session_id)]


def test_snapshot_fork_and_revert(hs):
    main_id = hs.create_session(title="Main Conversation")
    assert hs.add_message(main_id, "user", "Let's discuss Python") == 0
    snapshot_id = hs.create_snapshot(main_id, label="Safe point")
    hs.add_message(main_id, "assistant", "Sure")
    fork_id = hs.fork_session(main_id, title="Alternative approach")
    hs.revert_to_snapshot(main_id, snapshot_id)
    assert contents(hs, main_id) == ["Let's discuss Python"]
    assert contents(hs, fork_id) == ["Let's discuss Python", "Sure"]
    assert hs.get_session(fork_id)["title"] == "Alternative approach"
    assert [s["label"] for s in hs.list_snapshots(main_id)] == ["Safe point"]
    with pytest.raises(SnapshotNotFoundError):
        hs.revert_to_snapshot(main_id, "NOSUCHSNAPSHOT")


def test_fork_from_a_message_keeps_it_and_the_ones_before(hs):
    sid = hs.create_session("chat")
    for text in ("a", "b", "c"):
        hs.add_message(sid, "user", text)
    fork_id = hs.fork_session(sid, from_message_index=1, new_session_id="chat-b")
    assert fork_id == "chat-b" and contents(hs, fork_id) == ["a", "b"]
    assert hs.add_message(fork_id, "user", "b2") == 2
    assert contents(hs, sid) == ["a", "b", "c"]
    with pytest.raises(InvalidInputError):
        hs.fork_session(sid, from_message_index=7)


def test_revert_to_message(hs):
    sid = hs.create_session()
    for text in ("a", "b", "c"):
        hs.add_message(sid, "user", text)
    hs.revert_to_message(sid, 0)
    assert contents(hs, sid) == ["a"]
    assert hs.add_message(sid, "user", "d") == 1
    with pytest.raises(InvalidInputError, match="message_index"):
        hs.revert_to_message(sid, -1)


def test_session_tree(hs):
    root = hs.create_session("root", title="Root")
    hs.add_message(root, "user", "hi")
    child = hs.fork_session(root, new_session_id="child")
    grandchild = hs.fork_session(child, new_session_id="grandchild")
    sibling = hs.create_session("sibling", parent_id=root)
    unrelated = hs.create_session("unrelated")
    tree = hs.get_session_tree(root)
    assert tree["session_id"] == root and tree["title"] == "Root"
    assert [c["session_id"] for c in tree["children"]] == [child, sibling]
    assert tree["children"][0]["children"][0]["session_id"] == grandchild
    assert tree["children"][1]["message_count"] == 0
    assert unrelated not in json.dumps(tree)
    assert hs.get_session_tree(child)["children"][0]["session_id"] == grandchild


def test_export_and_import_round_trip(hs):
    sid = hs.create_session("exported", title="T")
    hs.add_message(sid, "user", "hello ✓")
    hs.create_snapshot(sid, "one")
    data = hs.export_session(sid)
    text = json.dumps(data)
    with pytest.raises(SessionExistsError):
        hs.import_session(json.loads(text))
    hs.delete_session(sid)
    assert hs.import_session(json.loads(text)) == sid
    assert contents(hs, sid) == ["hello ✓"]
    assert [s["label"] for s in hs.list_snapshots(sid)] == ["one"]
    hs.add_message(sid, "user", "more")
    assert hs.import_session(data, replace=True) == sid
    assert contents(hs, sid) == ["hello ✓"]


def test_the_hierarchy_module_alias():
    from tether.session.hierarchy import HierarchicalSessionStore as Alias

    assert Alias is HierarchicalSessionStore
