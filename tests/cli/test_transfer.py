"""tether session export | import | migrate, end to end."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import seed


def _everything(store, user_id: str = "default_user") -> dict[str, dict]:
    """Every session of a user as exported (the fork's copy of inherited messages included)."""
    return {
        info.session_id: store.export_session(info.session_id, user_id=user_id).model_dump()
        for info in store.list_sessions(user_id=user_id, limit=1000).items
    }


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'target.db'}"


def test_export_to_stdout_is_jsonl(tether, isolated_home):
    seed()
    result = tether("session", "export", "demo")
    assert result.code == 0, result
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [r["type"] for r in rows] == ["session"] + ["message"] * 4 + ["state", "snapshot", "run"]
    assert rows[0]["format_version"] == 1
    assert rows[0]["data"]["session_id"] == "demo" and rows[0]["data"]["title"] == "Demo chat"
    assert [r["data"]["index"] for r in rows[1:5]] == [0, 1, 2, 3]
    assert rows[2]["data"]["tool_calls"][0]["id"] == "call_1"
    assert rows[5]["data"] == {"step": 2, "lang": "en"}
    assert rows[6]["data"]["label"] == "answered"


def test_export_import_round_trip(tether, isolated_home, tmp_path, sqlite_url):
    seed()
    from tether import open_store

    out = tmp_path / "demo.jsonl"
    exported = tether("session", "export", "demo-fork", "-o", str(out))
    assert exported.code == 0, exported
    assert exported.out == ""
    assert "Exported demo-fork (2 messages, 0 snapshots, 0 runs)" in exported.err

    imported = tether("session", "import", str(out), "--db", sqlite_url)
    assert imported.code == 0, imported
    assert imported.out == "Imported demo-fork (2 messages, 0 snapshots, 0 runs).\n"
    with open_store() as source, open_store(sqlite_url) as target:
        want = source.export_session("demo-fork").model_dump()
        assert target.export_session("demo-fork").model_dump() == want
        assert target.get_session("demo-fork").parent_id == "demo"

    again = tether("session", "import", str(out), "--db", sqlite_url)
    assert again.code == 1
    assert "already exists; use --replace to overwrite it" in again.err
    replaced = tether("session", "import", str(out), "--db", sqlite_url, "--replace", "--json")
    assert replaced.code == 0, replaced
    assert json.loads(replaced.out)[0]["session_id"] == "demo-fork"


def test_import_from_stdin_as_other_user(tether, isolated_home, sqlite_url):
    seed()
    text = tether("session", "export", "demo").out
    result = tether("session", "import", "-", "--user", "carol", "--db", sqlite_url, input=text)
    assert result.code == 0, result
    from tether import open_store

    with open_store(sqlite_url) as target:
        assert target.count_messages("demo", user_id="carol") == 4
        assert not target.session_exists("demo")


def test_import_rejects_bad_files_without_writing(tether, tmp_path, sqlite_url):
    cases = {
        "empty.jsonl": ("", "holds no exported session"),
        "junk.jsonl": ("not json\n", "line 1 is not JSON"),
        "headless.jsonl": ('{"type": "message", "data": {}}\n', "expected a 'session' line"),
        "future.jsonl": (
            '{"type": "session", "format_version": 99, "data": {}}\n',
            "export format 99",
        ),
        "badrole.jsonl": (
            '{"type":"session","data":{"session_id":"x"}}\n'
            '{"type":"message","data":{"role":"robot","content":"hi","index":0}}\n',
            "line 2: role",
        ),
        "badid.jsonl": ('{"type":"session","data":{"session_id":"../x"}}\n', "not allowed"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result = tether("session", "import", str(path), "--db", sqlite_url)
        assert result.code == 1, (name, result)
        assert result.err.startswith("error: ") and expected in result.err, (name, result)
        assert "Traceback" not in result.err
    assert tether("session", "list", "--db", sqlite_url).out.startswith("No sessions")
    missing = tether("session", "import", str(tmp_path / "nope.jsonl"))
    assert missing.code == 2


def test_migrate_file_to_sqlite_keeps_everything_and_reruns_safely(
    tether, isolated_home, sqlite_url
):
    seed()
    from tether import open_store

    source_url = open_store().url
    with open_store() as source:
        want = {user: _everything(source, user) for user in ("default_user", "bob")}

    first = tether("session", "migrate", "--from", source_url, "--to", sqlite_url)
    assert first.code == 0, first
    assert first.out == (
        f"Migrated 3 sessions (7 messages, 1 snapshot, 1 run) from {source_url} to {sqlite_url}.\n"
    )
    assert "Migrating sessions" in first.err  # the progress bar goes to stderr

    def check() -> None:
        with open_store(sqlite_url) as target:
            got = {user: _everything(target, user) for user in ("default_user", "bob")}
            assert got == want
            fork = target.get_session("demo-fork")
            assert (fork.parent_id, fork.fork_index) == ("demo", 1)
            calls = target.get_messages("demo")[1].tool_calls
            assert calls[0]["function"]["name"] == "multiply"

    check()
    second = tether("session", "migrate", "--from", source_url, "--to", sqlite_url, "--json")
    assert second.code == 0, second
    assert json.loads(second.out) == {
        "sessions": 3, "messages": 7, "snapshots": 1, "runs": 1, "failed": []
    }  # fmt: skip
    check()  # nothing doubled


def test_migrate_one_user(tether, isolated_home, sqlite_url):
    seed()
    from tether import open_store

    result = tether("session", "migrate", "--to", sqlite_url, "--user", "bob")  # default --from
    assert result.code == 0, result
    assert result.out.startswith("Migrated 1 session (1 message, 0 snapshots, 0 runs)")
    with open_store(sqlite_url) as target:
        assert [(i.user_id, i.session_id) for i in target.list_sessions().items] == [
            ("bob", "demo")
        ]


def test_migrate_refuses_same_store(tether):
    result = tether("session", "migrate", "--from", "sqlite:///a.db", "--to", "sqlite:///a.db")
    assert result.code == 2
    assert "same store" in result.err


def test_migrate_goes_on_past_a_broken_session(tether, isolated_home, sqlite_url):
    seed()
    messages = isolated_home / "sessions" / "bob" / "demo" / "messages.jsonl"
    lines = messages.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[-1] = lines[-1].replace('"role":"user"', '"role":"robot"')  # same length, invalid
    assert '"role":"robot"' in lines[-1]
    messages.write_text("".join(lines), encoding="utf-8")
    result = tether("session", "migrate", "--to", sqlite_url)
    assert result.code == 1, result
    assert result.out.startswith("Migrated 2 sessions (6 messages, 1 snapshot, 1 run)")
    assert result.out.rstrip().endswith("; 1 failed.")
    assert "error: demo (user bob): " in result.err and "Traceback" not in result.err
    from tether import open_store

    with open_store(sqlite_url) as target:
        assert target.count_messages("demo") == 4
        assert not target.session_exists("demo", user_id="bob")
    debug = tether("--debug", "session", "migrate", "--to", sqlite_url)
    assert debug.code == 1 and "Traceback" in debug.err
