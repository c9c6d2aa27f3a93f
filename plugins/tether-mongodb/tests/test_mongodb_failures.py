"""Failures against real servers: down at start, restarted mid-session, dropped connections,
refused credentials. Each failed write raises; none is dropped silently or applied twice."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import tether
from tether.errors import StoreAuthenticationError, StoreError, StoreUnavailableError
from tether_mongodb.testing import SecantusProcess

FAST = "directConnection=true&serverSelectionTimeoutMS=1500"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def contents(store, session_id: str = "s1") -> list:
    return [m.content for m in store.get_messages(session_id)]


@contextmanager
def failpoint(admin, app: str, data: dict, mode: object = "alwaysOn") -> Iterator[None]:
    """Make the server fail commands of clients named ``app`` (never the admin client)."""
    scoped = {**data, "appName": app}
    admin.admin.command("configureFailPoint", "failCommand", mode=mode, data=scoped)
    try:
        yield
    finally:
        admin.admin.command("configureFailPoint", "failCommand", mode="off")


@pytest.fixture
def app_url(mongo_url: str) -> tuple[str, str]:
    """A store URL whose connections carry their own appname, for scoped failpoints."""
    app = f"tether-{uuid.uuid4().hex[:8]}"
    return f"{mongo_url}&appname={app}", app


# --- down at start ------------------------------------------------------------------------


def test_server_down_at_start_names_the_url_with_the_password_masked():
    port = closed_port()
    with pytest.raises(StoreUnavailableError) as caught:
        tether.open_store(f"mongodb://tether:hunter2@127.0.0.1:{port}/app?{FAST}")
    message = str(caught.value)
    assert "hunter2" not in message
    assert f"mongodb://tether:***@127.0.0.1:{port}/app" in message


# --- restart ------------------------------------------------------------------------------


@pytest.fixture
def own_server(tmp_path) -> Iterator[SecantusProcess]:
    """A server of the test's own, free to be stopped and started again."""
    server = SecantusProcess(tmp_path / "data").start()
    yield server
    server.stop()


def test_server_restart_mid_session(own_server):
    store = tether.open_store(f"mongodb://{own_server.address}/restart?{FAST}")
    store.create_session("s1", title="kept")
    store.append_messages("s1", [{"role": "user", "content": str(i)} for i in range(3)])
    store.set_state_value("s1", "n", 1)

    own_server.stop()
    with pytest.raises(StoreUnavailableError):
        store.append_message("s1", {"role": "user", "content": "while down"})
    with pytest.raises(StoreUnavailableError):
        store.get_messages("s1")

    own_server.start()  # same port, same storage path
    assert contents(store) == ["0", "1", "2"], "the write that failed must not appear"
    assert store.append_message("s1", {"role": "user", "content": "after"}).index == 3
    assert store.increment_state("s1", "n") == 2
    assert store.get_session("s1").title == "kept"
    assert store.count_messages("s1") == 4
    store.close()


def test_async_twin_survives_a_restart(own_server):
    store = tether.open_store(f"mongodb://{own_server.address}/restart?{FAST}")
    store.create_session("s1")

    async def before(aio):
        await aio.append_message("s1", {"role": "user", "content": "before"})

    async def down(aio):
        with pytest.raises(StoreUnavailableError):
            await aio.append_message("s1", {"role": "user", "content": "lost"})

    async def after(aio):
        await aio.append_message("s1", {"role": "user", "content": "after"})
        return [m.content for m in await aio.get_messages("s1")]

    async def run(body):
        try:
            return await body(store.aio)
        finally:
            await store.aio.aclose()

    asyncio.run(run(before))
    own_server.stop()
    asyncio.run(run(down))
    own_server.start()
    assert asyncio.run(run(after)) == ["before", "after"]
    store.close()


# --- dropped connections (failpoints) -----------------------------------------------------


APPEND_COMMANDS = [("auto", "bulkWrite"), ("false", "insert"), ("false", "update")]
"""How an append reaches the server: one bulkWrite, or an insert then an update."""


@pytest.mark.parametrize(("bulk", "command"), APPEND_COMMANDS)
def test_a_dropped_connection_during_an_append_is_resent_once_without_doubling(
    admin, app_url, command_log, bulk, command
):
    url, app = app_url
    store = tether.open_store(f"{url}&bulk_write={bulk}", event_listeners=[command_log])
    store.create_session("s1")
    store.append_message("s1", {"role": "user", "content": "first"})
    sent = len(command_log.named(command))
    drop = {"failCommands": [command], "closeConnection": True}
    with failpoint(admin, app, drop, mode={"times": 1}):
        assert store.append_message("s1", {"role": "user", "content": "once"}).index == 1
    assert len(command_log.named(command)) == sent + 2, "dropped, then sent again"
    assert contents(store) == ["first", "once"] and store.count_messages("s1") == 2
    store.close()


@pytest.mark.parametrize(("bulk", "command"), APPEND_COMMANDS[:2])
def test_a_write_applied_but_reported_failed_is_resent_without_doubling(
    admin, app_url, bulk, command
):
    """The server applies the write but its reply carries a retryable error, so pymongo
    sends it again: the append must notice its first sending went through."""
    url, app = app_url
    store = tether.open_store(f"{url}&bulk_write={bulk}")
    store.create_session("s1")
    store.append_message("s1", {"role": "user", "content": "first"})
    applied_then_failed = {
        "failCommands": [command],
        "writeConcernError": {"code": 91, "errmsg": "shutting down"},
        "errorLabels": ["RetryableWriteError"],
    }
    with failpoint(admin, app, applied_then_failed, mode={"times": 1}):
        sent = store.append_messages("s1", [{"role": "user", "content": c} for c in "ab"])
    assert [m.index for m in sent] == [1, 2]
    assert contents(store) == ["first", "a", "b"] and store.count_messages("s1") == 3
    assert store.append_message("s1", {"role": "user", "content": "c"}).index == 3
    store.close()


@pytest.mark.parametrize(("bulk", "command"), APPEND_COMMANDS)
def test_an_append_that_keeps_failing_raises_and_leaves_nothing_visible(
    admin, app_url, bulk, command
):
    url, app = app_url
    store = tether.open_store(f"{url}&bulk_write={bulk}")
    store.create_session("s1")
    store.append_message("s1", {"role": "user", "content": "first"})
    drop = {"failCommands": [command], "closeConnection": True}
    with failpoint(admin, app, drop), pytest.raises(StoreUnavailableError):
        store.append_message("s1", {"role": "user", "content": "lost"})
    info = store.get_session("s1")
    assert (info.message_count, info.next_index) == (1, 1), "a failed append left a trace"
    assert store.append_message("s1", {"role": "user", "content": "second"}).index == 1
    assert contents(store) == ["first", "second"]
    store.close()


@pytest.mark.parametrize(("bulk", "command"), APPEND_COMMANDS)
def test_a_server_error_during_an_append_is_a_store_error(admin, app_url, bulk, command):
    url, app = app_url
    store = tether.open_store(f"{url}&bulk_write={bulk}")
    store.create_session("s1")
    refuse = {"failCommands": [command], "errorCode": 8000}
    with failpoint(admin, app, refuse), pytest.raises(StoreError) as caught:
        store.append_message("s1", {"role": "user", "content": "lost"})
    assert not isinstance(caught.value, StoreUnavailableError)
    assert store.count_messages("s1") == 0 and contents(store) == []
    store.close()


def test_reads_and_deletes_are_resent_after_a_dropped_connection(admin, app_url, command_log):
    url, app = app_url
    store = tether.open_store(url, event_listeners=[command_log])
    store.create_session("s1")
    store.append_messages("s1", [{"role": "user", "content": str(i)} for i in range(4)])
    with failpoint(admin, app, {"failCommands": ["find"], "closeConnection": True}, {"times": 1}):
        assert contents(store) == ["0", "1", "2", "3"]
    with failpoint(admin, app, {"failCommands": ["delete"], "closeConnection": True}, {"times": 1}):
        assert store.clear_messages("s1") == 4
    assert len(command_log.named("delete")) == 2, "the dropped delete was not resent"
    assert admin[url.split("/")[3].split("?")[0]]["messages"].count_documents({}) == 0
    store.close()


# --- credentials --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory) -> Iterator[SecantusProcess]:
    """A server requiring SCRAM authentication, with user ``tether`` (password ``right``)."""
    from pymongo import MongoClient

    path = tmp_path_factory.mktemp("secantus-auth")
    server = SecantusProcess(path).start()
    client: MongoClient = MongoClient(f"mongodb://{server.address}/?directConnection=true")
    client.admin.command("createUser", "tether", pwd="right", roles=["root"])
    client.close()
    server.stop()
    server.mode = "auth"
    server.start()
    yield server
    server.stop()


def test_wrong_password_is_an_authentication_error(auth_server):
    url = f"mongodb://tether:wrong@{auth_server.address}/app?{FAST}&authSource=admin"
    with pytest.raises(StoreAuthenticationError) as caught:
        tether.open_store(url)
    assert "wrong" not in str(caught.value) and "tether:***@" in str(caught.value)


def test_missing_credentials_are_an_authentication_error(auth_server):
    with pytest.raises(StoreAuthenticationError, match="did not authorize"):
        tether.open_store(f"mongodb://{auth_server.address}/app?{FAST}")


def test_right_password_works(auth_server):
    url = f"mongodb://tether:right@{auth_server.address}/app?{FAST}&authSource=admin"
    with tether.open_store(url) as store:
        store.create_session("s1")
        store.append_message("s1", {"role": "user", "content": "hi"})
        assert contents(store) == ["hi"]
