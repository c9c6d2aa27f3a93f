"""Packaging, options and key layout."""

from __future__ import annotations

import pytest
from redis.crc import key_slot
from redis_helpers import SERVER_URL

import tether
from tether.errors import InvalidInputError
from tether.stores._prepare import SessionKey
from tether.stores.registry import find_backend, store_backends
from tether_redis.keys import Namespace, escape
from tether_redis.store import RedisStore
from tether_testing.lazy import modules_imported_by_plugin_loading


def test_entry_point_registers_the_backend():
    backends = store_backends(tether.get_plugin_manager())
    assert backends["redis"].schemes == ("redis", "rediss", "unix")
    assert backends["redis"].source.startswith("tether-redis ")


def test_open_by_url_and_by_name(redis_url, redis_prefix):
    with tether.open_store(redis_url) as by_url:
        assert isinstance(by_url, RedisStore) and by_url.capabilities.native_async
    assert find_backend(backend="redis").name == "redis"
    with tether.open_store(SERVER_URL, backend="redis", prefix=redis_prefix) as by_name:
        by_name.create_session("s1")
    with tether.open_store(redis_url) as again:
        assert again.session_exists("s1")


def test_loading_the_plugin_imports_neither_redis_nor_the_store():
    assert modules_imported_by_plugin_loading(["redis", "tether_redis.store"]) == []


def test_prefixes_isolate_namespaces(redis_prefix):
    with (
        tether.open_store(f"{SERVER_URL}?prefix={redis_prefix}a:") as a,
        tether.open_store(SERVER_URL, prefix=f"{redis_prefix}b:") as b,
    ):
        a.create_session("s1", title="in a")
        assert not b.session_exists("s1")
        assert b.list_sessions().items == []
        b.create_session("s1", title="in b")
        assert a.get_session("s1").title == "in a"


@pytest.mark.parametrize("how", ["query", "keyword"])
def test_unknown_option_is_named(redis_url, how):
    with pytest.raises(InvalidInputError, match="colour"):
        if how == "query":
            tether.open_store(redis_url + "&colour=red")
        else:
            tether.open_store(redis_url, colour="red")


@pytest.mark.parametrize("option", ["retry_on_timeout", "decode_responses", "protocol"])
def test_options_tether_depends_on_cannot_be_changed(redis_url, option):
    with pytest.raises(InvalidInputError, match=option):
        tether.open_store(redis_url + f"&{option}=1")


@pytest.mark.parametrize("prefix", ["a{b", "x}", "tab\there"])
def test_bad_prefix_is_refused(prefix):
    with pytest.raises(InvalidInputError, match="prefix"):
        tether.open_store(SERVER_URL, prefix=prefix)


def test_redis_options_reach_the_connection(redis_url, raw_redis):
    with tether.open_store(redis_url, client_name="tether-test-opts", socket_timeout=7) as store:
        store.create_session("s1")
        names = [c.get("name") for c in raw_redis.client_list()]
        assert "tether-test-opts" in names


def test_repr_masks_the_password(redis_prefix):
    user = "tether-test-repr"
    import redis

    admin = redis.Redis.from_url(SERVER_URL)
    admin.acl_setuser(user, enabled=True, passwords=["+pw-123"], keys=["*"], commands=["+@all"])
    try:
        url = f"redis://{user}:pw-123@127.0.0.1:6379/0?prefix={redis_prefix}"
        with tether.open_store(url) as store:
            assert "pw-123" not in repr(store) and f"{user}:***@" in repr(store)
    finally:
        admin.acl_deluser(user)
        admin.close()


def test_simple_ids_give_readable_keys():
    keys = Namespace("app:").session(SessionKey("alice", "chat-1"))
    assert keys[0] == "app:{alice:chat-1}:meta"
    assert keys[1] == "app:{alice:chat-1}:msgs"


@pytest.mark.parametrize(
    ("user_id", "session_id"),
    [("u", "1:s"), ("u:1", "s"), ("a}b", "c"), ("a", "}{"), ("%3A", ":"), ("ü", "x y")],
)
def test_escaped_ids_keep_one_hash_tag_and_never_collide(user_id, session_id):
    ns = Namespace("p:")
    keys = ns.session(SessionKey(user_id, session_id))
    for k in keys:
        tag = k[k.index("{") + 1 : k.index("}")]
        assert tag == f"{escape(user_id)}:{escape(session_id)}"
    assert len({key_slot(k.encode()) for k in keys}) == 1
    others = [("u", "1:s"), ("u:1", "s"), ("a}b", "c"), ("a", "}{"), ("%3A", ":"), ("ü", "x y")]
    for other in others:
        if other != (user_id, session_id):
            assert ns.session(SessionKey(*other))[0] != keys[0]


def test_keys_stay_under_the_prefix(redis_url, redis_prefix, raw_redis):
    with tether.open_store(redis_url) as store:
        store.create_session("a:b{c}", user_id="u}{", ttl=600)
        store.append_message("a:b{c}", {"role": "user", "content": "x"}, user_id="u}{")
        store.set_state_value("a:b{c}", "k", 1, user_id="u}{")
        store.save_run(tether.Run(session_id="a:b{c}"), user_id="u}{")
    everything = {k.decode() for k in raw_redis.scan_iter(match=f"{redis_prefix}*")}
    session = f"{redis_prefix}{{u%7D%7B:a%3Ab%7Bc%7D}}"
    parts = ("meta", "msgs", "state", "recs", "rord")
    assert everything == {
        f"{redis_prefix}schema",
        f"{redis_prefix}sessions",
        f"{redis_prefix}expiring",
        f"{redis_prefix}user:{{u%7D%7B}}:sessions",
        *(f"{session}:{part}" for part in parts),
    }


def test_unix_socket_url(private_server):
    url = f"unix://{private_server.socket}?db=0&prefix=sock:"
    with tether.open_store(url) as store:
        store.create_session("s1")
        store.append_message("s1", {"role": "user", "content": "over a socket"})
    with tether.open_store(private_server.url, prefix="sock:") as over_tcp:
        assert [m.content for m in over_tcp.get_messages("s1")] == ["over a socket"]
