"""How the data sits in PostgreSQL: one statement per append, index-only last-N reads,
JSONB state arithmetic, literal storage of hostile values, server-side TTL."""

from __future__ import annotations

import psycopg
import pytest

from tether.errors import InvalidInputError, SessionExpiredError
from tether.models import Message
from tether.stores._prepare import SessionKey
from tether_postgres import ops
from tether_postgres.statements import render


def statements_of(op, results):
    """The statements an operation sends when the server answers with ``results``."""
    steps, sent = op.start(), []
    answer = None
    try:
        while True:
            sent.append(steps.send(answer))
            answer = results[len(sent) - 1]
    except StopIteration:
        return sent


@pytest.mark.parametrize("n", [1, 3])
def test_append_is_one_statement(n):
    q = render("public")
    messages = [Message(role="user", content=str(i)) for i in range(n)]
    sent = statements_of(ops.append_messages(q, SessionKey("u", "s"), messages), [[(7,)]])
    assert len(sent) == 1 and "INSERT INTO" in sent[0].sql and "UPDATE" in sent[0].sql
    assert [m.index for m in messages] == list(range(7, 7 + n))


def _message_scans(plan):
    """Every plan node that reads tether_messages."""
    found = []
    if plan.get("Relation Name") == "tether_messages":
        found.append(plan)
    for child in plan.get("Plans", []):
        found.extend(_message_scans(child))
    return found


@pytest.mark.parametrize("forked", [False, True])
def test_last_n_reads_walk_the_primary_key_backwards(pg, server_url, forked):
    pg.create_session("big")
    for _ in range(6):
        pg.append_messages("big", [{"role": "user", "content": str(i)} for i in range(500)])
    session = "big"
    if forked:
        pg.fork_session("big", new_session_id="fork")
        pg.append_messages("fork", [{"role": "user", "content": "f"}] * 10)
        session = "fork"
    q = pg.queries
    params = {
        "user_id": "default_user",
        "session_id": session,
        "after": None,
        "before": None,
        "limit": 5,
    }
    with psycopg.connect(server_url) as conn:
        plan = conn.execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + q.sql("read_desc"), params
        ).fetchone()[0][0]["Plan"]
    scans = _message_scans(plan)
    assert scans, plan
    for scan in scans:
        assert scan["Node Type"] in ("Index Scan", "Index Only Scan"), scan["Node Type"]
        assert scan["Index Name"] == "tether_messages_pkey"
        assert scan["Scan Direction"] == "Backward"
        assert scan["Actual Rows"] <= 5, "read more rows than asked for"
    assert [int(m.index) for m in pg.get_messages(session, last=5)] == list(
        range(pg.get_session(session).next_index - 5, pg.get_session(session).next_index)
    )


def test_increment_follows_python_arithmetic(pg):
    pg.create_session("s")
    assert pg.increment_state("s", "n") == 1
    assert pg.increment_state("s", "n", 2**70) == 2**70 + 1  # integers stay exact
    pg.set_state_value("s", "f", 0.1)
    assert pg.increment_state("s", "f", 0.2) == 0.1 + 0.2  # float, as Python adds it
    assert pg.increment_state("s", "g", 1.5) == 1.5
    for bad in ("text", None, True, [1], {"a": 1}):
        pg.set_state_value("s", "bad", bad)
        with pytest.raises(InvalidInputError, match="not a number"):
            pg.increment_state("s", "bad")
        assert pg.get_state_value("s", "bad") == bad


HOSTILE = [
    "'; DROP TABLE tether_sessions; --",
    '{"$gt": ""}',
    "a:b{c}",
    "%(user_id)s",
    "$1",
    "x' OR '1'='1",
    "名前 😀",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_stored_literally(pg, sql, value):
    pg.create_session(value, user_id=value, title=value, metadata={value: value, "$gt": ""})
    pg.append_message(value, {"role": "user", "content": value, "name": value}, user_id=value)
    pg.set_state_value(value, value, value, user_id=value)
    pg.increment_state(value, "{n}", user_id=value)
    info = pg.get_session(value, user_id=value)
    assert (info.session_id, info.user_id, info.title) == (value, value, value)
    assert info.metadata == {value: value, "$gt": ""}
    assert pg.get_messages(value, user_id=value)[0].content == value
    assert pg.load_state(value, user_id=value) == {value: value, "{n}": 1}
    assert pg.list_sessions(user_id="other").items == []
    schema = pg.settings.schema
    assert sql(f'SELECT count(*) FROM "{schema}".tether_sessions')[0][0] == 1


def test_ttl_uses_the_server_clock(pg, sql):
    pg.create_session("s", ttl=3600)
    pg.append_message("s", {"role": "user", "content": "x"})
    sql(
        f'UPDATE "{pg.settings.schema}".tether_sessions '
        "SET expires_at = now() - interval '1 millisecond'"
    )
    with pytest.raises(SessionExpiredError):
        pg.append_message("s", {"role": "user", "content": "late"})
    with pytest.raises(SessionExpiredError):
        pg.get_messages("s")
    assert pg.list_sessions().items == []
    assert pg.purge_expired() == 1
    schema = pg.settings.schema
    assert sql(f'SELECT count(*) FROM "{schema}".tether_messages')[0][0] == 0
