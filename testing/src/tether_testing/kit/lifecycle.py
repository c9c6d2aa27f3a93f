"""Lifecycle: TTL expiry and purge, persistence across reopen, runs, export and import."""

from __future__ import annotations

import time

import pytest

from tether.errors import SessionExistsError, SessionNotFoundError
from tether.models import Run, SessionExport
from tether_testing.guard import requires
from tether_testing.kit.base import KitBase, indexes, msg

TTL = 1.0


class LifecycleTests(KitBase):
    @requires("ttl")
    def test_ttl_expiry_hides_and_refuses(self, store):
        store.create_session("short", ttl=TTL)
        store.create_session("long", ttl=3600)
        store.create_session("forever")
        store.append_message("short", msg())
        info = store.get_session("short")
        assert info.expires_at is not None and not info.is_expired()
        time.sleep(TTL + 0.3)
        assert not store.session_exists("short")
        with pytest.raises(SessionNotFoundError):
            store.get_session("short")
        with pytest.raises(SessionNotFoundError):
            store.append_message("short", msg())
        with pytest.raises(SessionNotFoundError):
            store.get_messages("short")
        assert {s.session_id for s in store.list_sessions().items} == {"long", "forever"}
        store.create_session("short")
        assert store.get_messages("short") == []

    @requires("ttl")
    def test_purge_expired(self, store):
        store.create_session("gone", ttl=TTL)
        store.append_message("gone", msg())
        store.create_session("stays")
        time.sleep(TTL + 0.3)
        assert store.purge_expired() >= 1
        assert store.purge_expired() == 0
        assert [s.session_id for s in store.list_sessions().items] == ["stays"]

    @requires("ttl")
    def test_update_ttl(self, store):
        store.create_session("s1", ttl=TTL)
        store.update_session("s1", ttl=None)
        time.sleep(TTL + 0.3)
        assert store.session_exists("s1")
        assert store.get_session("s1").expires_at is None
        store.update_session("s1", ttl=3600)
        assert store.get_session("s1").expires_at is not None

    @requires("persistent")
    def test_data_survives_reopen(self, store, reopen):
        store.create_session("s1", title="kept")
        store.append_messages("s1", [msg(content="a"), msg("assistant", "b")])
        store.save_state("s1", {"k": 1})
        store.close()
        again = reopen()
        assert again.get_session("s1").title == "kept"
        assert [m.content for m in again.get_messages("s1")] == ["a", "b"]
        assert again.load_state("s1") == {"k": 1}

    def test_runs(self, store):
        store.create_session("s1")
        run = Run(session_id="s1")
        store.save_run(run)
        run.status = "completed"
        run.usage.total_tokens = 150
        store.save_run(run)
        second = Run(session_id="s1", status="failed", error="boom")
        store.save_run(second)
        runs = store.list_runs("s1")
        assert [(r.run_id, r.status) for r in runs] == [
            (run.run_id, "completed"),
            (second.run_id, "failed"),
        ]
        assert runs[0].usage.total_tokens == 150

    def test_export_and_import(self, store, reopen):
        store.create_session("s1", title="T", metadata={"m": 1})
        store.append_messages("s1", [msg(content=str(i)) for i in range(4)])
        store.trim_messages("s1", 3)
        store.save_state("s1", {"k": "v"})
        store.save_run(Run(session_id="s1", status="completed"))
        if store.capabilities.snapshots:
            store.create_snapshot("s1", label="snap")
        exported = store.export_session("s1")
        as_json = SessionExport.model_validate_json(exported.model_dump_json())
        store.delete_session("s1")
        imported = store.import_session(as_json)
        assert (imported.session_id, imported.title, imported.next_index) == ("s1", "T", 4)
        assert indexes(store.get_messages("s1")) == [1, 2, 3]
        assert store.load_state("s1") == {"k": "v"}
        assert len(store.list_runs("s1")) == 1
        if store.capabilities.snapshots:
            assert [s.label for s in store.list_snapshots("s1")] == ["snap"]
        with pytest.raises(SessionExistsError):
            store.import_session(as_json)
        store.append_message("s1", msg(content="extra"))
        store.import_session(as_json, replace=True)
        assert indexes(store.get_messages("s1")) == [1, 2, 3]
        assert store.append_message("s1", msg()).index == 4

    @requires("forks")
    def test_export_of_a_fork_holds_its_whole_history(self, store):
        store.create_session("p")
        store.append_messages("p", [msg(content="a"), msg(content="b")])
        fork = store.fork_session("p", new_session_id="f")
        store.append_message("f", msg(content="c"))
        exported = store.export_session("f")
        assert [m.content for m in exported.messages] == ["a", "b", "c"]
        assert (exported.info.parent_id, exported.info.fork_index) == ("p", fork.fork_index)
        store.delete_session("f")
        store.delete_session("p")
        store.import_session(exported)
        assert [m.content for m in store.get_messages("f")] == ["a", "b", "c"]
        assert store.get_session("f").parent_id == "p"
