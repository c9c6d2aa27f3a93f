"""What the store writes to MongoDB and what it asks the server: one document per message,
indexes, bounded reads, literal ids and keys, TTL, leftovers, schema version."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from bson import ObjectId

import tether
from tether.errors import InvalidInputError, SchemaVersionError


@pytest.fixture
def db(admin, database_name):
    """The raw pymongo database behind ``mongo_url``."""
    return admin[database_name]


def msgs(n: int, start: int = 0) -> list[dict]:
    return [{"role": "user", "content": str(i)} for i in range(start, start + n)]


def test_one_document_per_message_and_the_indexes(mongo_url, db):
    with tether.open_store(mongo_url) as store:
        store.create_session("s1")
        store.append_messages("s1", msgs(5))
    assert db.messages.count_documents({}) == 5
    (session,) = db.sessions.find()
    assert session["_id"] == {"u": "default_user", "s": "s1"}
    assert all(not isinstance(v, list) for v in session.values()), "no growing array"
    indexes = {i["name"]: i for i in db.messages.list_indexes()}
    assert indexes["position"]["key"] == {"sid": 1, "i": 1} and indexes["position"]["unique"]
    sessions = {i["name"]: i for i in db.sessions.list_indexes()}
    assert sessions["reap"]["expireAfterSeconds"] == 3600
    assert {"newest_first", "user_newest_first"} <= set(sessions)
    assert db.tether_meta.find_one({"_id": "schema"})["version"] == 1


def test_last_n_reads_one_bounded_index_range(mongo_url, command_log):
    with tether.open_store(mongo_url, event_listeners=[command_log]) as store:
        store.create_session("s1")
        for start in range(0, 2000, 500):
            store.append_messages("s1", msgs(500, start))
        command_log.commands.clear()
        assert [m.content for m in store.get_messages("s1", last=3)] == ["1997", "1998", "1999"]
    (read,) = [c for c in command_log.named("find") if c["find"] == "messages"]
    assert read["filter"]["i"] == {"$gte": 1997, "$lt": 2000} and read["limit"] == 3


def test_reads_skip_gaps_left_by_clears_and_trims(mongo_url):
    with tether.open_store(mongo_url) as store:
        store.create_session("s1")
        store.append_messages("s1", msgs(30))
        store.trim_messages("s1", 4)
        store.append_messages("s1", msgs(3, 30))
        assert [m.index for m in store.get_messages("s1", last=6)] == [27, 28, 29, 30, 31, 32]
        page = store.get_message_page("s1", limit=2)
        assert [m.index for m in page.items] == [26, 27]
        store.clear_messages("s1")
        store.append_message("s1", {"role": "user", "content": "new"})
        assert [m.index for m in store.get_messages("s1", last=100)] == [33]


def test_reads_find_messages_across_wide_index_gaps(mongo_url):
    with tether.open_store(mongo_url) as store:
        store.create_session("s1")
        store.append_messages("s1", msgs(2))
        exported = store.export_session("s1")
        exported.messages += [
            tether.Message(role="user", content=str(i), index=i) for i in (50, 51, 900)
        ]
        store.import_session(exported, replace=True)
        assert [m.index for m in store.get_messages("s1", last=4)] == [1, 50, 51, 900]
        forward = store.get_message_page("s1", after=1, limit=2)
        assert [m.index for m in forward.items] == [50, 51] and forward.next_cursor == "51"
        assert [m.index for m in store.get_message_page("s1", before=900).items] == [0, 1, 50, 51]


def test_state_keys_and_metadata_are_stored_literally(mongo_url, db):
    hostile = {"$set": 1, "a.b": "x", "%24": [1], "$where": {"$gt": ""}, "\x00nul": None}
    with tether.open_store(mongo_url) as store:
        store.create_session("s1", metadata={"$where": "sleep(1000)", "a.b": {"$ne": 1}})
        store.save_state("s1", hostile)
        assert store.increment_state("s1", "$inc", 2) == 2
        assert store.increment_state("s1", "a.b.c", 0.5) == 0.5
        assert store.load_state("s1") == {**hostile, "$inc": 2, "a.b.c": 0.5}
        assert store.get_session("s1").metadata == {"$where": "sleep(1000)", "a.b": {"$ne": 1}}
        with pytest.raises(InvalidInputError):
            store.increment_state("s1", "a.b", 1)
    stored = db.sessions.find_one()["state"]
    assert not any(k.startswith("$") or "." in k for k in stored)


def test_hostile_ids_do_not_reach_other_sessions(mongo_url, db):
    with tether.open_store(mongo_url) as store:
        store.create_session("victim", user_id="alice")
        store.append_message("victim", {"role": "user", "content": "secret"}, user_id="alice")
        for hostile in ('{"$gt": ""}', "'; DROP TABLE sessions; --", "a:b{c}", "$where"):
            store.create_session(hostile, user_id='{"$ne": null}')
            assert store.get_messages(hostile, user_id='{"$ne": null}') == []
            assert not store.session_exists(hostile, user_id="alice")
        assert [m.content for m in store.get_messages("victim", user_id="alice")] == ["secret"]
        assert len(store.list_sessions(user_id='{"$ne": null}').items) == 4
    assert db.sessions.find_one({"s": '{"$gt": ""}'})["u"] == '{"$ne": null}'


def test_large_state_values_and_big_integers(mongo_url):
    with tether.open_store(mongo_url) as store:
        store.create_session("s1")
        store.save_state("s1", {"big": 2**80, "neg": -(2**63), "f": 1e300, "t": True})
        assert store.load_state("s1") == {"big": 2**80, "neg": -(2**63), "f": 1e300, "t": True}
        with pytest.raises(InvalidInputError):
            store.increment_state("s1", "t")


def test_a_message_over_16_mb_is_refused_before_anything_is_written(mongo_url):
    with tether.open_store(mongo_url) as store:
        store.create_session("s1")
        with pytest.raises(InvalidInputError, match="16 MB"):
            huge = {"role": "user", "content": "x" * 17_000_000}
            store.append_messages("s1", [{"role": "user", "content": "ok"}, huge])
        info = store.get_session("s1")
        assert (info.message_count, info.next_index) == (0, 0)


def test_timestamps_keep_microseconds(mongo_url):
    when = datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=timezone.utc)
    with tether.open_store(mongo_url) as store:
        created = store.create_session("s1", ttl=3600)
        info = store.get_session("s1")
        assert (info.created_at, info.expires_at) == (created.created_at, created.expires_at)
        store.append_message("s1", {"role": "user", "content": "x", "created_at": when})
        assert store.get_messages("s1")[0].created_at == when


def test_purge_deletes_data_and_sweeps_what_the_ttl_monitor_left(mongo_url, db):
    with tether.open_store(mongo_url) as store:
        store.create_session("gone", ttl=0.05)
        store.append_messages("gone", msgs(3))
        store.create_session("reaped")
        store.append_messages("reaped", msgs(2))
        store.create_session("kept")
        store.append_messages("kept", msgs(2))
        # The server's TTL monitor deletes only session documents; simulate it reaping
        # "reaped" an hour ago, and a fork still being written (its session not in yet).
        reaped = db.sessions.find_one_and_delete({"s": "reaped"})["sid"]
        old = ObjectId.from_datetime(datetime.now(timezone.utc) - timedelta(hours=2))
        db.messages.update_many({"sid": reaped}, {"$set": {"sid": old}})
        young = ObjectId()
        db.messages.insert_one({"sid": young, "i": 0, "body": "{}"})
        import time

        time.sleep(0.1)
        assert store.purge_expired() == 2
        assert store.purge_expired() == 0
        assert [m.content for m in store.get_messages("kept")] == ["0", "1"]
    assert db.messages.count_documents({}) == 3, "kept's two messages and the young leftover"
    assert db.messages.count_documents({"sid": young}) == 1


def test_reap_after_option_sets_and_changes_the_ttl_index(mongo_url, db):
    tether.open_store(mongo_url + "&reap_after=60").close()
    assert db.sessions.index_information()["reap"]["expireAfterSeconds"] == 60
    tether.open_store(mongo_url, reap_after=0).close()
    assert db.sessions.index_information()["reap"]["expireAfterSeconds"] == 0


def test_a_newer_schema_is_refused(mongo_url, db):
    db.tether_meta.insert_one({"_id": "schema", "version": 99})
    with pytest.raises(SchemaVersionError, match="99"):
        tether.open_store(mongo_url)
