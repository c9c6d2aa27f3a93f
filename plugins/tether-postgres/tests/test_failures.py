"""Failures against the real server: down, refused credentials, killed connections."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import tether
from tether.errors import (
    NotJSONSerializableError,
    StoreAuthenticationError,
    StoreError,
    StoreUnavailableError,
)
from tether_postgres import drivers

CLOSED_PORT_URL = "postgresql://root:s3cret-pw@127.0.0.1:1/test?connect_timeout=2"


def msg(content="x"):
    return {"role": "user", "content": content}


def test_server_down_names_the_url_with_the_password_masked():
    store = tether.open_store(CLOSED_PORT_URL)
    with pytest.raises(StoreUnavailableError) as caught:
        store.create_session("s")
    text = str(caught.value)
    assert "root:***@127.0.0.1:1" in text and "s3cret" not in text
    assert "s3cret" not in repr(store)
    with pytest.raises(StoreUnavailableError):  # still failing, still no hang or crash
        store.get_messages("s")
    store.close()


def test_server_down_async():
    store = tether.open_store(CLOSED_PORT_URL)

    async def body():
        try:
            await store.aio.get_session("s")
        finally:
            await store.aio.aclose()

    with pytest.raises(StoreUnavailableError) as caught:
        asyncio.run(body())
    assert "***" in str(caught.value) and "s3cret" not in str(caught.value)
    store.close()


def test_unknown_role_is_an_authentication_error():
    # The test server trusts every role on 127.0.0.1, so a wrong password cannot be
    # refused there; a role that does not exist is refused at the same step.
    store = tether.open_store("postgresql://no_such_role:pw@127.0.0.1:5432/test")
    with pytest.raises(StoreAuthenticationError) as caught:
        store.list_sessions()
    assert "no_such_role:***@" in str(caught.value) and ":pw@" not in str(caught.value)

    async def body():
        try:
            await store.aio.list_sessions()
        finally:
            await store.aio.aclose()

    with pytest.raises(StoreAuthenticationError):
        asyncio.run(body())
    store.close()


def test_unknown_database_is_unavailable_not_authentication():
    store = tether.open_store("postgresql://root@127.0.0.1:5432/no_such_database_xyz")
    with pytest.raises(StoreUnavailableError) as caught:
        store.list_sessions()
    assert not isinstance(caught.value, StoreAuthenticationError)
    assert "no_such_database_xyz" in str(caught.value)
    store.close()


def test_killed_connections_reconnect_on_the_next_call(pg, kill):
    pg.create_session("s")
    pg.append_messages("s", [msg(str(i)) for i in range(3)])
    assert kill() >= 1
    # the very next call is a write: it must reconnect and succeed, exactly once
    assert pg.append_message("s", msg("after")).index == 3
    assert kill() >= 1
    assert [m.content for m in pg.get_messages("s")] == ["0", "1", "2", "after"]
    assert pg.increment_state("s", "n") == 1


def test_killed_connections_reconnect_async(pg, kill):
    pg.create_session("s")

    async def body(aio):
        try:
            await aio.append_message("s", msg("one"))
            assert kill() >= 1
            await aio.append_message("s", msg("two"))
            assert kill() >= 1
            return [m.content for m in await aio.get_messages("s")]
        finally:
            await aio.aclose()

    assert asyncio.run(body(pg.aio)) == ["one", "two"]


def _backend_waiting_on_a_lock(sql, app_name, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = sql(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s "
            "AND wait_event_type = 'Lock'",
            (app_name,),
        )
        if rows:
            return rows[0][0]
        time.sleep(0.05)
    raise AssertionError("the append never waited on the row lock")


def test_a_write_killed_in_flight_raises_and_is_not_stored(pg, sql, app_name, server_url):
    import psycopg

    pg.create_session("s")
    pg.append_message("s", msg("before"))
    outcome = {}

    def append():
        try:
            outcome["result"] = pg.append_message("s", msg("in flight"))
        except Exception as exc:
            outcome["error"] = exc

    # Hold the session row from another connection so the append blocks in the server.
    with psycopg.connect(server_url) as holder:
        holder.execute(
            f'SELECT 1 FROM "{pg.settings.schema}".tether_sessions '
            "WHERE session_id = 's' FOR UPDATE"
        )
        writer = threading.Thread(target=append)
        writer.start()
        pid = _backend_waiting_on_a_lock(sql, app_name)
        sql("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        writer.join(10)
        holder.rollback()
    assert isinstance(outcome.get("error"), StoreUnavailableError), outcome
    assert "result" not in outcome
    assert [m.content for m in pg.get_messages("s")] == ["before"]
    assert pg.append_message("s", msg("next")).index == 1


def test_reads_retry_once_after_a_lost_connection_writes_do_not(pg, kill, monkeypatch):
    pg.create_session("s")
    pg.append_message("s", msg("kept"))
    # Hide dead connections from the pool-side check, so the lost connection is only
    # noticed when a statement runs on it.
    monkeypatch.setattr(drivers, "is_stale", lambda conn: False)
    kill()
    assert [m.content for m in pg.get_messages("s")] == ["kept"]  # retried on a new one
    kill()
    with pytest.raises(StoreUnavailableError):
        pg.append_message("s", msg("lost"))
    monkeypatch.undo()
    assert [m.content for m in pg.get_messages("s")] == ["kept"]


def test_closed_store_refuses_calls(pg):
    pg.create_session("s")
    pg.close()
    with pytest.raises(StoreError):
        pg.get_session("s")
    pg.close()


def test_nul_in_json_fields_is_refused_and_changes_nothing(pg):
    pg.create_session("s")
    pg.save_state("s", {"a": 1})
    with pytest.raises(NotJSONSerializableError):
        pg.save_state("s", {"a": "nul \x00 here"})
    assert pg.load_state("s") == {"a": 1}
    # message bodies are stored as JSON text, so the same character round-trips there
    pg.append_message("s", msg("nul \x00 here"))
    assert pg.get_messages("s")[0].content == "nul \x00 here"


def _connections(sql, app_name, settle=5.0):
    """This test's server connections, once closed ones have had time to go away."""
    deadline = time.monotonic() + settle
    while True:
        count = sql(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app_name,)
        )
        if count[0][0] == 0 or time.monotonic() > deadline:
            return count[0][0]
        time.sleep(0.05)


def test_close_releases_every_connection_sync_and_async(pg, sql, app_name):
    pg.create_session("s")

    async def use(aio):
        await aio.append_message("s", msg())
        return await aio.count_messages("s")

    # two event loops in turn, without aclose: the second gets its own pool
    assert asyncio.run(use(pg.aio)) == 1
    assert asyncio.run(use(pg.aio)) == 2
    assert pg.count_messages("s") == 2
    pg.close()
    assert _connections(sql, app_name) == 0


def test_a_cancelled_statement_is_a_store_error_not_an_outage(pg_url, server_url):
    import psycopg

    store = tether.open_store(pg_url + "&options=-c%20lock_timeout%3D200")
    store.create_session("s")
    with psycopg.connect(server_url) as holder:
        holder.execute(
            f'SELECT 1 FROM "{store.settings.schema}".tether_sessions '
            "WHERE session_id = 's' FOR UPDATE"
        )
        with pytest.raises(StoreError) as caught:
            store.append_message("s", msg("blocked"))
        holder.rollback()
    assert not isinstance(caught.value, StoreUnavailableError)
    assert "lock timeout" in str(caught.value)
    assert store.append_message("s", msg("free")).index == 0
    store.close()
