"""Sessions: create, get, exists, list with cursor pages, update, delete, user isolation."""

from __future__ import annotations

import pytest

from tether.errors import SessionExistsError, SessionNotFoundError
from tether.ids import DEFAULT_USER_ID
from tether_testing.kit.base import KitBase, msg


class SessionTests(KitBase):
    def test_create_and_get(self, store):
        info = store.create_session("s1", title="First", agent_name="bot", metadata={"k": [1]})
        assert (info.session_id, info.user_id) == ("s1", DEFAULT_USER_ID)
        got = store.get_session("s1")
        assert (got.title, got.agent_name, got.metadata) == ("First", "bot", {"k": [1]})
        assert (got.message_count, got.next_index, got.parent_id) == (0, 0, None)
        assert store.session_exists("s1")

    def test_create_generates_id(self, store):
        a, b = store.create_session(), store.create_session()
        assert a.session_id and b.session_id and a.session_id != b.session_id
        assert store.session_exists(a.session_id)

    def test_create_twice_conflicts_unless_exist_ok(self, store):
        store.create_session("s1", title="original")
        with pytest.raises(SessionExistsError):
            store.create_session("s1", title="other")
        again = store.create_session("s1", title="other", exist_ok=True)
        assert again.title == "original"

    def test_missing_session(self, store):
        assert not store.session_exists("nope")
        with pytest.raises(SessionNotFoundError):
            store.get_session("nope")
        with pytest.raises(SessionNotFoundError):
            store.append_message("nope", msg())
        with pytest.raises(SessionNotFoundError):
            store.get_messages("nope")
        assert store.delete_session("nope") is False

    def test_list_newest_first_with_cursor_pages(self, store):
        created = [store.create_session(f"s{i}").session_id for i in range(7)]
        seen, cursor = [], None
        while True:
            page = store.list_sessions(limit=3, cursor=cursor)
            assert len(page.items) <= 3
            seen += [s.session_id for s in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == list(reversed(created))

    def test_list_reports_message_counts(self, store):
        store.create_session("s1")
        store.append_messages("s1", [msg(), msg("assistant", "hi")])
        (info,) = store.list_sessions().items
        assert info.message_count == 2

    def test_update_session(self, store):
        store.create_session("s1", title="old", metadata={"a": 1})
        updated = store.update_session("s1", title="new", metadata={"b": 2})
        assert (updated.title, updated.metadata) == ("new", {"b": 2})
        got = store.get_session("s1")
        assert (got.title, got.metadata) == ("new", {"b": 2})

    def test_delete_removes_everything(self, store):
        store.create_session("s1")
        store.append_message("s1", msg())
        store.set_state_value("s1", "k", 1)
        assert store.delete_session("s1") is True
        assert not store.session_exists("s1")
        assert store.list_sessions().items == []
        with pytest.raises(SessionNotFoundError):
            store.get_messages("s1")
        store.create_session("s1")
        assert store.get_messages("s1") == []
        assert store.load_state("s1") == {}

    def test_user_isolation(self, store):
        store.create_session("shared", user_id="alice")
        store.append_message("shared", msg(content="alice's secret"), user_id="alice")
        store.set_state_value("shared", "owner", "alice", user_id="alice")
        assert not store.session_exists("shared", user_id="bob")
        assert store.list_sessions(user_id="bob").items == []
        with pytest.raises(SessionNotFoundError):
            store.get_messages("shared", user_id="bob")
        store.create_session("shared", user_id="bob")
        store.append_message("shared", msg(content="bob's"), user_id="bob")
        assert [m.content for m in store.get_messages("shared", user_id="bob")] == ["bob's"]
        assert store.load_state("shared", user_id="bob") == {}
        store.delete_session("shared", user_id="bob")
        assert store.count_messages("shared", user_id="alice") == 1
        assert [s.user_id for s in store.list_sessions(user_id="alice").items] == ["alice"]
        assert {s.user_id for s in store.list_sessions().items} == {"alice"}

    def test_hostile_ids_are_stored_literally(self, store):
        hostile = ["'; DROP TABLE sessions; --", "a:b{c}d", '{"$gt": ""}', "x}:{y", "ü ñ 😀"]
        for i, session_id in enumerate(hostile):
            store.create_session(session_id, user_id="u:{1}", metadata={"$gt": "", "a.b": i})
            store.append_message(session_id, msg(content=session_id), user_id="u:{1}")
        for i, session_id in enumerate(hostile):
            info = store.get_session(session_id, user_id="u:{1}")
            assert info.session_id == session_id and info.metadata == {"$gt": "", "a.b": i}
            (message,) = store.get_messages(session_id, user_id="u:{1}")
            assert message.content == session_id
        listed = {s.session_id for s in store.list_sessions(user_id="u:{1}").items}
        assert listed == set(hostile)

    def test_ids_with_separators_do_not_collide(self, store):
        store.create_session("1:s", user_id="u")
        store.create_session("s", user_id="u:1")
        store.append_message("1:s", msg(content="first"), user_id="u")
        store.append_message("s", msg(content="second"), user_id="u:1")
        assert [m.content for m in store.get_messages("1:s", user_id="u")] == ["first"]
        assert [m.content for m in store.get_messages("s", user_id="u:1")] == ["second"]

    def test_close_twice_is_safe(self, reopen):
        extra = reopen()
        extra.close()
        extra.close()
