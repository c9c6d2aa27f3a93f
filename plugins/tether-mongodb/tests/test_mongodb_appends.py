"""The append protocol: insert at the expected indexes, then compare-and-set the session.
Stale expectations, leftovers of interrupted appends and many writers at once."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from bson import ObjectId

import tether


@pytest.fixture
def db(admin, database_name):
    """The raw pymongo database behind ``mongo_url``."""
    return admin[database_name]


@pytest.mark.parametrize("bulk", ["auto", "false"])
def test_leftovers_of_an_interrupted_append_are_removed(mongo_url, db, bulk):
    with tether.open_store(f"{mongo_url}&bulk_write={bulk}") as store:
        store.create_session("s1")
        store.append_message("s1", {"role": "user", "content": "a"})
        sid = db.sessions.find_one()["sid"]
        # What an append whose process died between its insert and its update leaves: an
        # unconfirmed message above next_index (invisible), older than the lease.
        ghost = ObjectId.from_datetime(datetime.now(timezone.utc) - timedelta(minutes=1))
        body = '{"role": "user", "content": "?"}'
        db.messages.insert_one({"_id": ghost, "sid": sid, "i": 1, "body": body})
        assert [m.content for m in store.get_messages("s1")] == ["a"]
        assert store.append_message("s1", {"role": "user", "content": "b"}).index == 1
        assert [m.content for m in store.get_messages("s1")] == ["a", "b"]
        assert db.messages.count_documents({"_id": ghost}) == 0


def test_an_append_waits_for_a_young_unconfirmed_message(mongo_url, db):
    with tether.open_store(mongo_url) as store:
        store.create_session("s1")
        sid = db.sessions.find_one()["sid"]
        # Another append in flight: its message is in, its update not yet. Ours must not
        # take the index from under it; here it never completes, so after the lease ours
        # removes it and goes ahead.
        young = ObjectId()
        db.messages.insert_one({"_id": young, "sid": sid, "i": 0, "body": "{}"})
        assert store.append_message("s1", {"role": "user", "content": "mine"}).index == 0
        assert db.messages.count_documents({"_id": young}) == 0


def test_a_stale_head_after_another_writer_appended(mongo_url):
    with tether.open_store(mongo_url) as one, tether.open_store(mongo_url) as two:
        one.create_session("s1")
        one.append_message("s1", {"role": "user", "content": "1"})
        two.append_message("s1", {"role": "user", "content": "2"})
        two.rewind("s1", 1)
        two.append_message("s1", {"role": "user", "content": "3"})
        assert one.append_message("s1", {"role": "user", "content": "4"}).index == 2
        assert [m.content for m in one.get_messages("s1")] == ["1", "3", "4"]
        assert one.count_messages("s1") == 3


@pytest.mark.parametrize("bulk", ["auto", "false"])
def test_threads_sharing_stores_append_without_loss_or_doubling(mongo_url, bulk):
    url = f"{mongo_url}&bulk_write={bulk}"
    with tether.open_store(url) as one, tether.open_store(url) as two:
        one.create_session("s1")

        def write(writer: int) -> None:
            store = (one, two)[writer % 2]
            for seq in range(25):
                message = {"role": "user", "content": "x", "metadata": {"w": writer, "seq": seq}}
                store.append_message("s1", message)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        messages = one.get_messages("s1")
        assert [m.index for m in messages] == list(range(200)) and one.count_messages("s1") == 200
        by_writer: dict[int, list[int]] = defaultdict(list)
        for m in messages:
            by_writer[m.metadata["w"]].append(m.metadata["seq"])
        assert by_writer == {w: list(range(25)) for w in range(8)}
