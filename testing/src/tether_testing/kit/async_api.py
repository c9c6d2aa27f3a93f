"""The async twin (``store.aio``): same behaviour as the sync API, and safe under gather."""

from __future__ import annotations

import asyncio

import pytest

from tether.errors import InvalidSessionIdError, SessionNotFoundError, SnapshotNotFoundError
from tether.stores.async_base import AsyncSessionStore
from tether_testing.guard import requires
from tether_testing.kit.base import KitBase, indexes, msg


def run(coroutine):
    return asyncio.run(coroutine)


async def _closing(store, body):
    """Run ``body(aio)`` and close the async connections in the same event loop."""
    aio = store.aio
    try:
        return await body(aio)
    finally:
        await aio.aclose()


class AsyncTests(KitBase):
    def test_async_twin_is_an_async_store(self, store):
        assert isinstance(store.aio, AsyncSessionStore)
        assert store.aio.capabilities == store.capabilities

    def test_async_sessions_and_messages(self, store):
        async def body(aio):
            await aio.create_session("a1", title="async")
            assert (await aio.get_session("a1")).title == "async"
            await aio.append_messages("a1", [msg(content=str(i)) for i in range(12)])
            assert indexes(await aio.get_messages("a1", last=3)) == [9, 10, 11]
            page = await aio.get_message_page("a1", after=4, limit=3)
            assert indexes(page.items) == [5, 6, 7] and page.next_cursor == "7"
            assert await aio.count_messages("a1") == 12
            listed = await aio.list_sessions()
            assert [s.session_id for s in listed.items] == ["a1"]
            with pytest.raises(SessionNotFoundError):
                await aio.get_messages("missing")
            with pytest.raises(InvalidSessionIdError):
                await aio.create_session("../x")
            assert await aio.delete_session("a1")

        run(_closing(store, body))
        assert not store.session_exists("a1")

    def test_async_sees_sync_writes(self, store):
        store.create_session("shared")
        store.append_message("shared", msg(content="from sync"))

        async def body(aio):
            await aio.append_message("shared", msg(content="from async"))
            return [m.content for m in await aio.get_messages("shared")]

        assert run(_closing(store, body)) == ["from sync", "from async"]
        assert [m.content for m in store.get_messages("shared")] == ["from sync", "from async"]

    def test_async_gathered_appends_and_increments(self, store):
        async def body(aio):
            await aio.create_session("g")
            await asyncio.gather(*(aio.increment_state("g", "n") for _ in range(50)))
            await asyncio.gather(*(aio.append_message("g", msg(content=str(i))) for i in range(50)))
            return await aio.get_state_value("g", "n"), await aio.get_messages("g")

        total, messages = run(_closing(store, body))
        assert total == 50
        assert indexes(messages) == list(range(50))
        assert sorted(int(m.content) for m in messages) == list(range(50))

    def test_async_state(self, store):
        async def body(aio):
            await aio.create_session("st")
            await aio.save_state("st", {"a": 1})
            await aio.set_state_value("st", "b", [1])
            assert await aio.increment_state("st", "a", 2) == 3
            return await aio.load_state("st")

        assert run(_closing(store, body)) == {"a": 3, "b": [1]}

    @requires("snapshots", "forks")
    def test_async_snapshots_and_forks(self, store):
        async def body(aio):
            await aio.create_session("p")
            await aio.append_messages("p", [msg(content="a"), msg(content="b")])
            snap = await aio.create_snapshot("p", label="s")
            await aio.append_message("p", msg(content="c"))
            fork = await aio.fork_session("p", snapshot_id=snap.snapshot_id)
            await aio.revert_to_snapshot("p", snap.snapshot_id)
            with pytest.raises(SnapshotNotFoundError):
                await aio.revert_to_snapshot("p", "unknown")
            exported = await aio.export_session(fork.session_id)
            return (
                [m.content for m in await aio.get_messages("p")],
                [m.content for m in exported.messages],
            )

        assert run(_closing(store, body)) == (["a", "b"], ["a", "b"])
