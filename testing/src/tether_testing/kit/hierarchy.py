"""Snapshots, revert, rewind and forks (with isolation between a fork and its parent)."""

from __future__ import annotations

import pytest

from tether.errors import InvalidInputError, SessionExistsError, SnapshotNotFoundError
from tether_testing.guard import requires
from tether_testing.kit.base import KitBase, indexes, msg


def contents(store, session_id: str) -> list:
    return [m.content for m in store.get_messages(session_id)]


class HierarchyTests(KitBase):
    @requires("snapshots")
    def test_snapshot_and_revert(self, store):
        store.create_session("s1")
        store.append_messages("s1", [msg(content="a"), msg(content="b")])
        store.save_state("s1", {"step": 1})
        snap = store.create_snapshot("s1", label="safe point")
        assert (snap.position, snap.label, snap.state) == (2, "safe point", {"step": 1})
        store.append_messages("s1", [msg(content="c"), msg(content="d")])
        store.save_state("s1", {"step": 2})
        later = store.create_snapshot("s1", label="later")
        info = store.revert_to_snapshot("s1", snap.snapshot_id)
        assert (info.next_index, info.message_count) == (2, 2)
        assert contents(store, "s1") == ["a", "b"]
        assert store.load_state("s1") == {"step": 1}
        assert store.append_message("s1", msg(content="e")).index == 2
        listed = [s.snapshot_id for s in store.list_snapshots("s1")]
        assert listed == [snap.snapshot_id] and later.snapshot_id not in listed

    @requires("snapshots")
    def test_list_and_get_snapshots(self, store):
        store.create_session("s1")
        first = store.create_snapshot("s1", label="one")
        store.append_message("s1", msg())
        second = store.create_snapshot("s1", label="two")
        assert [s.label for s in store.list_snapshots("s1")] == ["one", "two"]
        assert store.get_snapshot("s1", second.snapshot_id).position == 1
        assert store.get_snapshot("s1", first.snapshot_id).position == 0

    @requires("snapshots")
    def test_unknown_snapshot_changes_nothing(self, store):
        store.create_session("s1")
        store.append_messages("s1", [msg(), msg()])
        with pytest.raises(SnapshotNotFoundError):
            store.revert_to_snapshot("s1", "no-such-snapshot")
        with pytest.raises(SnapshotNotFoundError):
            store.fork_session("s1", snapshot_id="no-such-snapshot")
        assert store.count_messages("s1") == 2

    @requires("snapshots")
    def test_rewind(self, store):
        store.create_session("s1")
        store.append_messages("s1", [msg(content=str(i)) for i in range(5)])
        store.set_state_value("s1", "k", "v")
        store.rewind("s1", 3)
        assert contents(store, "s1") == ["0", "1", "2"]
        assert store.load_state("s1") == {"k": "v"}
        with pytest.raises(InvalidInputError):
            store.rewind("s1", 10)
        assert store.count_messages("s1") == 3

    @requires("forks")
    def test_fork_from_end_is_isolated(self, store):
        store.create_session("parent", title="Main")
        store.append_messages("parent", [msg(content="a"), msg(content="b")])
        store.save_state("parent", {"x": 1})
        fork = store.fork_session("parent", new_session_id="child", title="Alt")
        assert (fork.session_id, fork.parent_id, fork.fork_index) == ("child", "parent", 2)
        assert (fork.title, fork.message_count) == ("Alt", 2)
        assert contents(store, "child") == ["a", "b"] and store.load_state("child") == {"x": 1}
        store.append_message("parent", msg(content="parent-only"))
        store.append_message("child", msg(content="child-only"))
        store.set_state_value("child", "x", 2)
        assert contents(store, "parent") == ["a", "b", "parent-only"]
        assert contents(store, "child") == ["a", "b", "child-only"]
        assert indexes(store.get_messages("child")) == [0, 1, 2]
        assert store.load_state("parent") == {"x": 1}
        assert store.get_session("child").parent_id == "parent"

    @requires("forks")
    def test_fork_at_position_and_of_a_fork(self, store):
        store.create_session("p")
        store.append_messages("p", [msg(content=str(i)) for i in range(5)])
        child = store.fork_session("p", position=3)
        assert contents(store, child.session_id) == ["0", "1", "2"]
        store.append_message(child.session_id, msg(content="c3"))
        grandchild = store.fork_session(child.session_id, position=2)
        store.append_message(grandchild.session_id, msg(content="g2"))
        assert contents(store, grandchild.session_id) == ["0", "1", "g2"]
        assert contents(store, child.session_id) == ["0", "1", "2", "c3"]
        with pytest.raises(InvalidInputError):
            store.fork_session("p", position=6)
        with pytest.raises(SessionExistsError):
            store.fork_session("p", new_session_id=child.session_id)

    @requires("forks", "snapshots")
    def test_fork_from_snapshot(self, store):
        store.create_session("p")
        store.append_message("p", msg(content="kept"))
        store.save_state("p", {"v": "then"})
        snap = store.create_snapshot("p")
        store.append_message("p", msg(content="later"))
        store.save_state("p", {"v": "now"})
        fork = store.fork_session("p", snapshot_id=snap.snapshot_id)
        assert contents(store, fork.session_id) == ["kept"]
        assert store.load_state(fork.session_id) == {"v": "then"}

    @requires("forks", "snapshots")
    def test_fork_survives_parent_clear_trim_rewind_and_delete(self, store):
        store.create_session("p")
        store.append_messages("p", [msg(content=str(i)) for i in range(6)])
        forks = [store.fork_session("p", position=n).session_id for n in (6, 5, 4, 3)]
        store.trim_messages("p", 2)
        store.rewind("p", 5)
        store.clear_messages("p")
        store.append_message("p", msg(content="new"))
        store.delete_session("p")
        for n, fork in zip((6, 5, 4, 3), forks, strict=True):
            assert contents(store, fork) == [str(i) for i in range(n)]
            assert store.append_message(fork, msg()).index == n
