"""Forks share their parent's rows until the parent deletes them, then own a copy.

Checked at the table level (no rows copied at fork time; copies appear exactly when the
parent would lose them) and against the memory store as a model, over random sequences
of appends, forks, clears, trims, rewinds and deletes.
"""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tether.stores.memory import MemoryStore


def contents(store, session_id, **kw):
    return [m.content for m in store.get_messages(session_id, **kw)]


def own_rows(sql, schema: str, session_id: str) -> list[int]:
    """Positions of the message rows stored under the session itself."""
    rows = sql(
        f'SELECT m.position FROM "{schema}".tether_messages m '
        f'JOIN "{schema}".tether_sessions s USING (sid) '
        "WHERE s.session_id = %s ORDER BY m.position",
        (session_id,),
    )
    return [position for (position,) in rows]


def fill(store, session_id, n, start=0):
    store.append_messages(
        session_id, [{"role": "user", "content": str(i)} for i in range(start, n)]
    )


def test_fork_copies_no_rows_until_the_parent_loses_them(pg, schema, sql):
    pg.create_session("p")
    fill(pg, "p", 10)
    pg.fork_session("p", new_session_id="f", position=6)
    assert own_rows(sql, schema, "f") == []
    assert contents(pg, "f") == [str(i) for i in range(6)]
    assert pg.count_messages("f") == 6

    pg.trim_messages("p", 7)  # the parent drops 0..2: the fork takes exactly those
    assert own_rows(sql, schema, "f") == [0, 1, 2]
    assert contents(pg, "f") == [str(i) for i in range(6)]

    pg.rewind("p", 4)  # the parent drops 4..9: the fork takes 4 and 5
    assert own_rows(sql, schema, "f") == [0, 1, 2, 4, 5]
    pg.append_messages("p", [{"role": "user", "content": "p-new"}])  # index 4 again
    assert contents(pg, "f") == [str(i) for i in range(6)]
    assert contents(pg, "p") == ["3", "p-new"]

    pg.delete_session("p")
    assert own_rows(sql, schema, "f") == list(range(6))
    assert contents(pg, "f") == [str(i) for i in range(6)]
    assert pg.get_session("f").message_count == 6


def test_fork_of_fork_reads_through_two_parents(pg, schema, sql):
    pg.create_session("a")
    fill(pg, "a", 5)
    pg.fork_session("a", new_session_id="b")
    fill(pg, "b", 8, start=5)
    pg.fork_session("b", new_session_id="c", position=7)
    fill(pg, "a", 7, start=100)
    assert own_rows(sql, schema, "c") == []
    assert contents(pg, "c") == [str(i) for i in range(7)]
    assert contents(pg, "c", last=3) == ["4", "5", "6"]
    assert pg.get_message_page("c", after=3, limit=2).items[0].content == "4"

    pg.clear_messages("a")  # b takes 0..4 from a; c keeps reading through b
    assert own_rows(sql, schema, "b") == list(range(8))
    assert own_rows(sql, schema, "c") == []
    assert contents(pg, "c") == [str(i) for i in range(7)]

    pg.delete_session("b")
    assert own_rows(sql, schema, "c") == list(range(7))
    assert contents(pg, "c") == [str(i) for i in range(7)]


def test_rewind_of_a_fork_below_its_fork_point(pg):
    pg.create_session("p")
    fill(pg, "p", 6)
    pg.fork_session("p", new_session_id="f")
    pg.rewind("f", 2)
    assert contents(pg, "f") == ["0", "1"]
    pg.append_messages("f", [{"role": "user", "content": "f2"}])
    assert contents(pg, "f") == ["0", "1", "f2"]
    assert contents(pg, "p") == [str(i) for i in range(6)]
    assert pg.count_messages("f") == 3


def test_trim_of_a_fork_hides_inherited_rows_without_touching_the_parent(pg):
    pg.create_session("p")
    fill(pg, "p", 6)
    pg.fork_session("p", new_session_id="f")
    assert pg.trim_messages("f", 2) == 4
    assert contents(pg, "f") == ["4", "5"]
    assert contents(pg, "p") == [str(i) for i in range(6)]


@pytest.fixture
def expired_parent(pg, sql):
    """Session ``p`` (3 messages) has expired; its fork ``f`` (no TTL) has not."""
    pg.create_session("p", ttl=3600)
    fill(pg, "p", 3)
    pg.fork_session("p", new_session_id="f")
    pg.update_session("f", ttl=None)
    sql(
        f'UPDATE "{pg.settings.schema}".tether_sessions SET expires_at = now() - interval '
        "'1 second' WHERE session_id = 'p'"
    )
    assert not pg.session_exists("p")
    return pg


def test_purging_an_expired_parent_keeps_its_fork(expired_parent):
    pg = expired_parent
    assert contents(pg, "f") == ["0", "1", "2"]  # an expired parent still backs its fork
    assert pg.purge_expired() == 1
    assert contents(pg, "f") == ["0", "1", "2"]


def test_recreating_an_expired_parent_keeps_its_fork(expired_parent):
    pg = expired_parent
    pg.create_session("p")
    assert contents(pg, "p") == []
    assert contents(pg, "f") == ["0", "1", "2"]


# --- model-based: random histories compared with the memory store ---------------------


class ForkModel(RuleBasedStateMachine):
    """Runs the same operations on PostgreSQL and on the memory store; they must agree."""

    pg = None  # set by the test

    @initialize()
    def setup(self):
        self.model = MemoryStore()
        self.user = f"u{uuid.uuid4().hex[:10]}"
        self.names: list[str] = []
        self.counter = self.made = 0
        self.create()

    def new_name(self):
        self.made += 1
        return f"s{self.made}"

    def both(self, method, *args, **kwargs):
        kwargs["user_id"] = self.user
        expected = getattr(self.model, method)(*args, **kwargs)
        actual = getattr(self.pg, method)(*args, **kwargs)
        return expected, actual

    @rule()
    def create(self):
        name = self.new_name()
        self.both("create_session", name)
        self.names.append(name)

    @rule(data=st.data(), n=st.integers(1, 4))
    def append(self, data, n):
        name = data.draw(st.sampled_from(self.names))
        batch = []
        for _ in range(n):
            self.counter += 1
            batch.append({"role": "user", "content": f"m{self.counter}", "id": f"id{self.counter}"})
        expected, actual = self.both("append_messages", name, batch)
        assert [m.index for m in actual] == [m.index for m in expected]

    @precondition(lambda self: len(self.names) < 12)
    @rule(data=st.data(), at=st.floats(0, 1))
    def fork(self, data, at):
        name = data.draw(st.sampled_from(self.names))
        position = int(self.model.get_session(name, user_id=self.user).next_index * at)
        new = self.new_name()
        self.both("fork_session", name, new_session_id=new, position=position)
        self.names.append(new)

    @rule(data=st.data())
    def clear(self, data):
        expected, actual = self.both("clear_messages", data.draw(st.sampled_from(self.names)))
        assert actual == expected

    @rule(data=st.data(), keep=st.integers(0, 6))
    def trim(self, data, keep):
        expected, actual = self.both("trim_messages", data.draw(st.sampled_from(self.names)), keep)
        assert actual == expected

    @rule(data=st.data(), at=st.floats(0, 1))
    def rewind(self, data, at):
        name = data.draw(st.sampled_from(self.names))
        position = int(self.model.get_session(name, user_id=self.user).next_index * at)
        self.both("rewind", name, position)

    @precondition(lambda self: len(self.names) > 1)
    @rule(data=st.data())
    def delete(self, data):
        name = data.draw(st.sampled_from(self.names))
        self.both("delete_session", name)
        self.names.remove(name)

    @invariant()
    def same_histories(self):
        for name in getattr(self, "names", []):
            expected, actual = self.both("get_messages", name)
            assert [(m.index, m.content) for m in actual] == [
                (m.index, m.content) for m in expected
            ], name
            e_info, a_info = self.both("get_session", name)
            assert (a_info.message_count, a_info.next_index) == (
                e_info.message_count,
                e_info.next_index,
            ), name
            expected, actual = self.both("get_messages", name, last=2)
            assert [m.index for m in actual] == [m.index for m in expected], name


@pytest.mark.timeout(600)
def test_random_histories_match_the_memory_store(pg):
    ForkModel.pg = pg
    ForkModel.TestCase.settings = settings(
        max_examples=int(os.environ.get("TETHER_PG_EXAMPLES", "25")),
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    ForkModel.TestCase().runTest()


def test_forks_stay_consistent_while_the_parent_is_appended_to_and_trimmed(pg, pg_url):
    """Appends, forks and trims of one parent from three threads at once: every fork ends
    up holding an unbroken run of the parent's messages ending at its fork point."""
    import threading

    import tether

    pg.create_session("p")
    written: dict[int, str] = {}
    forks: list[str] = []
    errors: list[BaseException] = []

    def guarded(work):
        def run():
            store = tether.open_store(pg_url)
            try:
                work(store)
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                store.close()

        return threading.Thread(target=run)

    def appender(store):
        for i in range(150):
            batch = [{"role": "user", "content": f"a{i}-{j}"} for j in range(2)]
            for m in store.append_messages("p", batch):
                written[m.index] = m.content

    def forker(store):
        for i in range(30):
            forks.append(store.fork_session("p", new_session_id=f"f{i}").session_id)

    def trimmer(store):
        for _ in range(30):
            store.trim_messages("p", 20)

    threads = [guarded(appender), guarded(forker), guarded(trimmer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    for fork in forks:
        info = pg.get_session(fork)
        messages = pg.get_messages(fork)
        indexes = [m.index for m in messages]
        assert indexes == list(range(info.fork_index - len(indexes), info.fork_index)), fork
        assert all(written[m.index] == m.content for m in messages), fork
        assert info.message_count == len(messages)
