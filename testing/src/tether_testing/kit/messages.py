"""Messages: round trips, order, last N, cursor pages, count, clear, retention."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from tether.models import Message
from tether_testing.kit.base import KitBase, indexes, msg

UNICODE = 'héllo wörld ✓ 😀👩‍👩‍👧 中文 עברית \u0000 \t\n"quoted" \\ back'


class MessageTests(KitBase):
    def test_full_message_round_trip(self, store):
        store.create_session("s1")
        original = Message(
            role="assistant",
            content=None,
            name="planner",
            tool_calls=[
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": '{"q": "x"}'},
                }
            ],
            created_at=datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=timezone.utc),
            metadata={"nested": {"list": [1, 2.5, None, True]}, "$gt": "", "a.b": "c"},
        )
        tool = Message(role="tool", content="42", tool_call_id="call_1")
        parts = Message(role="user", content=[{"type": "text", "text": "look"}])
        store.append_messages("s1", [original, tool, parts])
        back = store.get_messages("s1")
        expected = [original, tool, parts]
        for got, want in zip(back, expected, strict=True):
            assert got.model_dump(exclude={"index"}) == want.model_dump(exclude={"index"})
        assert indexes(back) == [0, 1, 2]
        assert original.index is None, "the caller's message must not be modified"

    def test_unicode_round_trip(self, store):
        store.create_session("s1")
        store.append_message("s1", msg(content=UNICODE, metadata={"ключ": UNICODE}))
        (back,) = store.get_messages("s1")
        assert back.content == UNICODE and back.metadata == {"ключ": UNICODE}

    def test_one_megabyte_message_round_trip(self, store):
        store.create_session("s1")
        big = ("0123456789abcdef" * 65536) + "☃"
        store.append_message("s1", msg(content=big))
        store.append_message("s1", msg(content="after"))
        first, second = store.get_messages("s1")
        assert first.content == big and second.content == "after"
        assert store.get_messages("s1", last=1)[0].content == "after"

    def test_order_and_indexes(self, store):
        store.create_session("s1")
        for i in range(5):
            returned = store.append_message("s1", msg(content=f"m{i}"))
            assert returned.index == i
        batch = store.append_messages("s1", [msg(content=f"m{i}") for i in range(5, 9)])
        assert indexes(batch) == [5, 6, 7, 8]
        assert [m.content for m in store.get_messages("s1")] == [f"m{i}" for i in range(9)]
        assert store.count_messages("s1") == 9
        assert store.get_session("s1").next_index == 9

    def test_ids_are_kept_and_unique(self, store):
        store.create_session("s1")
        sent = store.append_messages("s1", [msg(content=str(i)) for i in range(20)])
        back = store.get_messages("s1")
        assert [m.id for m in back] == [m.id for m in sent]
        assert len({m.id for m in back}) == 20

    def test_last_n(self, store):
        store.create_session("s1")
        store.append_messages("s1", [msg(content=str(i)) for i in range(30)])
        assert indexes(store.get_messages("s1", last=5)) == [25, 26, 27, 28, 29]
        assert store.get_messages("s1", last=0) == []
        assert len(store.get_messages("s1", last=100)) == 30

    def test_cursor_pages_forward_and_backward(self, store):
        store.create_session("s1")
        store.append_messages("s1", [msg(content=str(i)) for i in range(25)])
        seen, cursor = [], None
        while True:
            page = store.get_message_page("s1", after=cursor, limit=10)
            seen += indexes(page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == list(range(25))
        page = store.get_message_page("s1", before=25, limit=10)
        assert indexes(page.items) == list(range(15, 25))
        page = store.get_message_page("s1", before=page.next_cursor, limit=10)
        assert indexes(page.items) == list(range(5, 15))
        page = store.get_message_page("s1", before=page.next_cursor, limit=10)
        assert indexes(page.items) == list(range(5)) and page.next_cursor is None
        window = store.get_message_page("s1", after=3, before=8, limit=100)
        assert indexes(window.items) == [4, 5, 6, 7]

    def test_pages_have_no_gap_or_duplicate_while_another_writer_appends(self, store, reopen):
        store.create_session("s1")
        store.append_messages("s1", [msg(content=str(i)) for i in range(50)])
        writer_store = reopen()
        stop = threading.Event()

        def write() -> None:
            while not stop.is_set():
                writer_store.append_message("s1", msg(content="live"))

        writer = threading.Thread(target=write)
        writer.start()
        try:
            seen, cursor = [], None
            for _ in range(40):
                page = store.get_message_page("s1", after=cursor, limit=7)
                seen += indexes(page.items)
                if page.items:
                    cursor = page.items[-1].index
        finally:
            stop.set()
            writer.join()
        assert seen == list(range(len(seen))) and len(seen) >= 50

    def test_clear_keeps_indexes_moving_forward(self, store):
        store.create_session("s1")
        store.append_messages("s1", [msg(), msg()])
        store.set_state_value("s1", "kept", True)
        assert store.clear_messages("s1") == 2
        assert store.count_messages("s1") == 0 and store.get_messages("s1") == []
        assert store.append_message("s1", msg()).index == 2
        assert store.load_state("s1") == {"kept": True}

    def test_retention_keeps_last_n(self, store):
        store.create_session("s1")
        store.append_messages("s1", [msg(content=str(i)) for i in range(10)])
        assert store.trim_messages("s1", 3) == 7
        assert indexes(store.get_messages("s1")) == [7, 8, 9]
        assert store.count_messages("s1") == 3
        assert store.append_message("s1", msg()).index == 10
        assert store.trim_messages("s1", 100) == 0
        page = store.get_message_page("s1", after=None, limit=2)
        assert indexes(page.items) == [7, 8]
