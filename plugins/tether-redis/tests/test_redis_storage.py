"""How the Redis backend stores things: native TTL on every key, purge of the indexes,
exact increments, gaps in imported indexes, large batches, schema version, corrupt data."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

import tether
from tether.errors import (
    CorruptDataError,
    InvalidInputError,
    SchemaVersionError,
    SessionExpiredError,
    SessionNotFoundError,
)
from tether.models import Message, SessionExport, SessionInfo
from tether.stores._prepare import SessionKey
from tether_redis.keys import Namespace, all_member

PARTS = ("meta", "msgs", "state", "recs", "rord")


def msg(content: str) -> dict:
    return {"role": "user", "content": content}


@pytest.fixture
def store(redis_url):
    opened = tether.open_store(redis_url)
    yield opened
    opened.close()


def session_keys(prefix: str, session_id: str, user_id: str = "default_user") -> list[str]:
    return Namespace(prefix).session(SessionKey(user_id, session_id))


def test_every_key_of_a_session_expires_with_it_even_keys_made_later(
    store, redis_prefix, raw_redis
):
    store.create_session("s1", ttl=600)
    store.append_message("s1", msg("a"))
    store.set_state_value("s1", "k", 1)
    store.save_run(tether.Run(session_id="s1"))
    keys = session_keys(redis_prefix, "s1")
    ttls = [raw_redis.pttl(k) for k in keys]
    assert all(590_000 < t <= 601_000 for t in ttls), ttls
    store.update_session("s1", ttl=None)
    assert [raw_redis.pttl(k) for k in keys] == [-1] * 5
    member = all_member(SessionKey("default_user", "s1"))
    assert raw_redis.zscore(f"{redis_prefix}expiring", member) is None
    store.update_session("s1", ttl=60)
    assert all(50_000 < raw_redis.pttl(k) <= 61_000 for k in keys)


def test_purge_clears_the_indexes_of_sessions_redis_already_expired(store, redis_prefix, raw_redis):
    store.create_session("gone", ttl=0)  # expired at once: Redis drops its keys itself
    store.create_session("stays")
    keys = session_keys(redis_prefix, "gone")
    assert raw_redis.exists(*keys) == 0
    assert raw_redis.zcard(f"{redis_prefix}sessions") == 2
    assert [s.session_id for s in store.list_sessions().items] == ["stays"]
    with pytest.raises(SessionExpiredError):
        store.append_message("gone", msg("late"))
    assert store.purge_expired() == 1
    assert raw_redis.zcard(f"{redis_prefix}sessions") == 1
    assert raw_redis.zcard(f"{redis_prefix}expiring") == 0
    assert raw_redis.zcard(f"{redis_prefix}user:{{default_user}}:sessions") == 1
    with pytest.raises(SessionNotFoundError) as caught:
        store.get_messages("gone")
    assert not isinstance(caught.value, SessionExpiredError)
    assert store.purge_expired() == 0


def test_purge_leaves_a_session_whose_ttl_was_extended(store):
    store.create_session("s1", ttl=600)
    store.update_session("s1", ttl=None)
    store.create_session("s2", ttl=0)
    store.create_session("s2", ttl=3600)  # the expired one is replaced
    assert store.purge_expired() == 0
    assert {s.session_id for s in store.list_sessions().items} == {"s1", "s2"}


def test_increments_add_like_python(store):
    store.create_session("s1")
    assert store.increment_state("s1", "f", 0.1) == 0.1
    assert store.increment_state("s1", "f", 0.2) == 0.1 + 0.2
    store.set_state_value("s1", "big", 2**60)
    assert store.increment_state("s1", "big", 1) == 2**60 + 1
    assert store.increment_state("s1", "half", 1.5) == 1.5
    total = store.increment_state("s1", "half", 1.5)
    assert total == 3.0 and isinstance(total, float)
    total = store.increment_state("s1", "i", 2)
    assert total == 2 and isinstance(total, int)
    assert store.increment_state("s1", "i", 0.5) == 2.5
    assert store.load_state("s1")["f"] == 0.1 + 0.2


def test_increment_out_of_range_changes_nothing(store):
    store.create_session("s1")
    store.set_state_value("s1", "top", 2**63 - 1)
    with pytest.raises(InvalidInputError, match="out of range"):
        store.increment_state("s1", "top", 1)
    store.set_state_value("s1", "huge", 1e308)
    with pytest.raises(InvalidInputError, match="out of range"):
        store.increment_state("s1", "huge", 1e308)
    assert store.load_state("s1") == {"top": 2**63 - 1, "huge": 1e308}


def gapped_export(session_id: str) -> SessionExport:
    created = datetime(2024, 5, 1, tzinfo=timezone.utc)
    messages = [Message(role="user", content=str(i), index=i) for i in (0, 2, 5, 9)]
    info = SessionInfo(session_id=session_id, created_at=created, next_index=12)
    return SessionExport(info=info, messages=messages)


def test_imported_indexes_with_gaps_read_page_and_change_correctly(store):
    store.import_session(gapped_export("g"))

    def idx(messages) -> list:
        return [m.index for m in messages]

    assert idx(store.get_messages("g")) == [0, 2, 5, 9]
    assert idx(store.get_messages("g", last=2)) == [5, 9]
    assert idx(store.get_message_page("g", after=2, limit=1).items) == [5]
    assert idx(store.get_message_page("g", before=5, limit=10).items) == [0, 2]
    assert idx(store.get_message_page("g", after=0, before=9).items) == [2, 5]
    assert store.append_message("g", msg("new")).index == 12
    assert idx(store.get_messages("g", last=2)) == [9, 12]
    fork = store.fork_session("g", position=6)
    assert idx(store.get_messages(fork.session_id)) == [0, 2, 5]
    store.rewind("g", 3)
    assert idx(store.get_messages("g")) == [0, 2]
    assert store.get_session("g").next_index == 3


def test_batches_larger_than_a_script_chunk(store):
    store.create_session("big")
    sent = store.append_messages("big", [msg(str(i)) for i in range(2500)])
    assert [m.index for m in sent] == list(range(2500))
    fork = store.fork_session("big", position=2345)
    assert store.count_messages(fork.session_id) == 2345
    assert store.get_messages(fork.session_id, last=1)[0].content == "2344"
    for _ in range(1100):
        store.save_run(tether.Run(session_id="big"))
    assert len(store.list_runs("big")) == 1100


def test_listing_orders_equal_creation_times_by_user_then_session(store):
    created = datetime(2024, 5, 1, tzinfo=timezone.utc)
    keys = [("u1", "a"), ("u1", "b"), ("u2", "a"), ("u0", "z"), ("u1", "c:{x}")]
    for user_id, session_id in keys:
        info = SessionInfo(session_id=session_id, user_id=user_id, created_at=created)
        store.import_session(SessionExport(info=info))
    store.create_session("dead", user_id="u1", ttl=0)  # left in the index, skipped
    seen, cursor = [], None
    while True:
        page = store.list_sessions(limit=2, cursor=cursor)
        seen += [(s.user_id, s.session_id) for s in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(keys, reverse=True)
    only_u1 = [s.session_id for s in store.list_sessions(user_id="u1", limit=1).items]
    assert only_u1 == ["c:{x}"]


def test_newer_layout_version_is_refused(redis_url, redis_prefix, raw_redis):
    raw_redis.set(f"{redis_prefix}schema", 99)
    with pytest.raises(SchemaVersionError, match="99"):
        tether.open_store(redis_url)


def test_corrupt_data_is_reported_and_left_alone(store, redis_prefix, raw_redis):
    store.create_session("s1")
    store.append_message("s1", msg("a"))
    meta, msgs = session_keys(redis_prefix, "s1")[:2]
    raw_redis.rpush(msgs, b"not a message")
    with pytest.raises(CorruptDataError):
        store.get_messages("s1")
    raw_redis.hset(meta, "title", b"{broken")
    with pytest.raises(CorruptDataError):
        store.get_session("s1")
    assert raw_redis.llen(msgs) == 2


def test_async_store_works_across_event_loops(store):
    store.create_session("s1")

    async def append(text: str) -> int:
        return (await store.aio.append_message("s1", msg(text))).index

    assert asyncio.run(append("a")) == 0
    assert asyncio.run(append("b")) == 1  # a new loop: the store opens a new client for it
    assert [m.content for m in store.get_messages("s1")] == ["a", "b"]


def test_an_evicting_server_is_warned_about(private_server):
    import redis

    admin = redis.Redis.from_url(private_server.url)
    admin.config_set("maxmemory-policy", "allkeys-lru")
    admin.close()
    with pytest.warns(RuntimeWarning, match="noeviction"):
        tether.open_store(private_server.url).close()
