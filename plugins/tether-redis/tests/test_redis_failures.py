"""Failures against real servers: down at start, connections killed, a server restarted,
a reply lost after the server applied a write, wrong credentials, scripts flushed."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from redis_helpers import SERVER_URL, free_port, kill_clients

import tether
from tether.errors import StoreAuthenticationError, StoreError, StoreUnavailableError


def msg(content: str) -> dict:
    return {"role": "user", "content": content}


def contents(store, session_id: str = "s1") -> list:
    return [m.content for m in store.get_messages(session_id)]


def test_server_down_at_start_names_the_url_with_the_password_masked(redis_prefix):
    port = free_port()  # nothing listens there
    url = f"redis://app:s3cret-pw@127.0.0.1:{port}/0?prefix={redis_prefix}"
    with pytest.raises(StoreUnavailableError) as caught:
        tether.open_store(url)
    text = str(caught.value)
    assert f"redis://app:***@127.0.0.1:{port}/0" in text
    assert "s3cret-pw" not in text


def test_killed_connections_reconnect_and_lose_nothing(redis_url, raw_redis):
    name = f"tether-test-{uuid.uuid4().hex[:12]}"
    store = tether.open_store(redis_url, client_name=name)
    store.create_session("s1")
    store.append_messages("s1", [msg("a"), msg("b")])
    killed = kill_clients(raw_redis, name)
    assert killed >= 1
    assert store.append_message("s1", msg("c")).index == 2  # a write, first call after
    kill_clients(raw_redis, name)
    assert contents(store) == ["a", "b", "c"]  # a read, first call after
    assert store.count_messages("s1") == 3
    store.close()


def test_async_killed_connections_reconnect(redis_url, raw_redis):
    name = f"tether-test-{uuid.uuid4().hex[:12]}"
    store = tether.open_store(redis_url, client_name=name)

    async def body() -> list:
        aio = store.aio
        await aio.create_session("s1")
        await aio.append_message("s1", msg("a"))
        assert kill_clients(raw_redis, name) >= 1
        await aio.append_message("s1", msg("b"))
        kill_clients(raw_redis, name)
        result = [m.content for m in await aio.get_messages("s1")]
        await aio.aclose()
        return result

    assert asyncio.run(body()) == ["a", "b"]
    store.close()


def test_a_write_whose_reply_is_lost_raises_and_is_never_applied_twice(
    redis_prefix, dropping_proxy
):
    store = tether.open_store(f"{dropping_proxy.url}?prefix={redis_prefix}")
    direct = tether.open_store(f"{SERVER_URL}?prefix={redis_prefix}")
    store.create_session("s1")
    store.append_message("s1", msg("before"))
    dropping_proxy.armed.set()
    with pytest.raises(StoreUnavailableError, match="not confirmed"):
        store.append_message("s1", msg("lost reply"))
    assert dropping_proxy.dropped == 1
    # The server applied it once; the store did not send it again.
    assert contents(direct) == ["before", "lost reply"]
    assert store.append_message("s1", msg("next")).index == 2
    store.close()
    direct.close()


def test_a_read_whose_reply_is_lost_is_retried_once(redis_prefix, dropping_proxy):
    store = tether.open_store(f"{dropping_proxy.url}?prefix={redis_prefix}")
    store.create_session("s1")
    store.append_messages("s1", [msg("a"), msg("b")])
    dropping_proxy.armed.set()
    assert contents(store) == ["a", "b"]
    assert dropping_proxy.dropped == 1
    store.close()


def test_server_restart_keeps_data_and_the_next_call_reconnects(private_server):
    store = tether.open_store(private_server.url)
    store.create_session("s1", ttl=3600)
    store.append_messages("s1", [msg("a"), msg("b")])
    store.save_state("s1", {"k": 1})
    private_server.stop()
    with pytest.raises(StoreUnavailableError, match=re.escape(private_server.url)):
        store.append_message("s1", msg("while down"))
    with pytest.raises(StoreUnavailableError):
        store.get_messages("s1")
    private_server.start()  # same port, same data folder; scripts are no longer cached
    assert store.append_message("s1", msg("c")).index == 2
    assert contents(store) == ["a", "b", "c"]
    assert store.load_state("s1") == {"k": 1}
    assert store.get_session("s1").expires_at is not None
    store.close()


def test_flushed_script_cache_is_reloaded(private_server):
    store = tether.open_store(private_server.url)
    store.create_session("s1")
    store.append_message("s1", msg("a"))
    admin = tether_redis_client(private_server.url)
    admin.script_flush()
    assert store.append_message("s1", msg("b")).index == 1
    assert [s.session_id for s in store.list_sessions().items] == ["s1"]
    admin.script_flush()
    assert asyncio.run(async_contents(store)) == ["a", "b"]
    admin.close()
    store.close()


def test_wrong_password_is_an_authentication_error(redis_prefix, raw_redis):
    user = f"tether-test-{uuid.uuid4().hex[:12]}"
    raw_redis.acl_setuser(
        user, enabled=True, passwords=["+right-pw"], keys=["*"], commands=["+@all"]
    )
    try:
        base = f"127.0.0.1:6379/0?prefix={redis_prefix}"
        with pytest.raises(StoreAuthenticationError) as caught:
            tether.open_store(f"redis://{user}:wrong-pw@{base}")
        assert "wrong-pw" not in str(caught.value) and f"{user}:***@" in str(caught.value)
        with tether.open_store(f"redis://{user}:right-pw@{base}") as store:
            store.create_session("s1")
            assert store.session_exists("s1")
    finally:
        raw_redis.acl_deluser(user)


def test_a_user_without_write_permission_gets_an_authentication_error(redis_prefix, raw_redis):
    user = f"tether-test-{uuid.uuid4().hex[:12]}"
    # May read keys and run scripts, may not write: writes fail, loudly.
    raw_redis.acl_setuser(
        user,
        enabled=True,
        passwords=["+pw"],
        keys=["*"],
        commands=["+@read", "+@connection", "+info", "+evalsha", "+script|load", "+time"],
    )
    try:
        with tether.open_store(f"{SERVER_URL}?prefix={redis_prefix}") as owner:
            owner.create_session("s1")
        with tether.open_store(f"redis://{user}:pw@127.0.0.1:6379/0?prefix={redis_prefix}") as ro:
            assert ro.session_exists("s1")
            with pytest.raises(StoreAuthenticationError, match="not allowed"):
                ro.append_message("s1", msg("x"))
            assert ro.count_messages("s1") == 0
    finally:
        raw_redis.acl_deluser(user)


# --- helpers ------------------------------------------------------------------------------


def tether_redis_client(url: str):
    import redis

    return redis.Redis.from_url(url)


async def async_contents(store) -> list:
    aio = store.aio
    try:
        return [m.content for m in await aio.get_messages("s1")]
    finally:
        await aio.aclose()


def test_a_user_denied_dangerous_commands_can_use_the_store(redis_prefix, raw_redis):
    user = f"tether-test-{uuid.uuid4().hex[:12]}"
    # A common ACL recipe: everything but @dangerous (INFO among them).
    raw_redis.acl_setuser(
        user, enabled=True, passwords=["+pw"], keys=["*"], commands=["+@all", "-@dangerous"]
    )
    try:
        with tether.open_store(f"redis://{user}:pw@127.0.0.1:6379/0?prefix={redis_prefix}") as s:
            s.create_session("s1", ttl=60)
            s.append_message("s1", msg("a"))
            assert contents(s) == ["a"]
            assert s.purge_expired() == 0
    finally:
        raw_redis.acl_deluser(user)


def test_out_of_memory_refuses_the_whole_write_and_reads_still_work(private_server):
    store = tether.open_store(private_server.url)
    store.create_session("s1")
    admin = tether_redis_client(private_server.url)
    used = int(admin.info("memory")["used_memory"])
    admin.config_set("maxmemory", used + 2_000_000)  # policy: noeviction (the default)
    big = "x" * 100_000
    stored = 0
    with pytest.raises(StoreError, match="out of memory"):
        for _ in range(100):
            store.append_message("s1", msg(big))
            stored += 1
    info = store.get_session("s1")  # a read-only script runs even when Redis is full
    assert info.message_count == stored == info.next_index, "a refused append left traces"
    admin.config_set("maxmemory", 0)
    assert store.append_message("s1", msg("after")).index == stored
    admin.close()
    store.close()
