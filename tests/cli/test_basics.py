"""The executable itself: help, version, python -m, plugins, error reporting and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.cli.helpers import cli_env

SESSION_COMMANDS = [
    "list", "start", "resume", "show", "delete", "fork", "snapshot", "revert",
    "export", "import", "migrate", "prune",
]  # fmt: skip


def test_help_lists_groups_and_commands(tether):
    top = tether("--help")
    assert top.code == 0, top
    for name in ("session", "db", "plugins", "--debug", "--version"):
        assert name in top.out
    session = tether("session", "--help")
    assert session.code == 0, session
    listed = {line.split()[0] for line in session.out.split("Commands:")[1].splitlines() if line}
    assert listed == set(SESSION_COMMANDS)


def test_every_command_has_help(tether):
    for name in SESSION_COMMANDS:
        result = tether("session", name, "--help")
        assert result.code == 0, result
        assert f"Usage: tether session {name}" in result.out
    assert "tether-postgres" in tether("db", "--help").out


def test_version(tether):
    from tether import __version__

    result = tether("--version")
    assert result.code == 0
    assert __version__ in result.out


def test_python_dash_m_tether(isolated_home):
    for module in ("tether", "tether.cli"):
        proc = subprocess.run(
            [sys.executable, "-m", module, "session", "list"],
            capture_output=True,
            text=True,
            env=cli_env(),
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert "No sessions" in proc.stdout


def test_plugins_table_and_json(tether):
    table = tether("plugins")
    assert table.code == 0, table
    assert table.out.splitlines()[0].split() == ["PLUGIN", "DISTRIBUTION", "VERSION", "PROVIDES"]
    assert "tether.cli.builtin" in table.out
    rows = json.loads(tether("plugins", "--json").out)
    by_name = {row["name"]: row for row in rows}
    stores = by_name["tether.stores.builtin"]["provides"]["session_stores"]
    assert {"file", "sqlite", "memory"} <= set(stores)
    commands = by_name["tether.cli.builtin"]["provides"]["commands"]
    assert {"session", "db", "plugins"} <= set(commands)
    assert all(row["version"] for row in rows)


def test_usage_errors_exit_2(tether):
    assert tether("session", "nonsense").code == 2
    assert tether("session", "show").code == 2  # missing id
    bad_id = tether("session", "show", "a/b")
    assert bad_id.code == 2
    assert "must not contain '/'" in bad_id.err
    assert tether("session", "list", "--limit", "0").code == 2
    assert tether("session", "prune").code == 2  # neither --expired nor --older-than
    assert tether("session", "prune", "--older-than", "soon").code == 2
    assert tether("session", "migrate", "--from", "sqlite:///a.db").code == 2


def test_errors_are_one_line_without_traceback(tether):
    result = tether("session", "show", "missing")
    assert result.code == 1
    assert result.err == "error: no session 'missing' for user 'default_user'\n"
    assert result.out == ""


def test_unknown_backend_names_installed_ones(tether):
    result = tether("session", "list", "--db", "nosuch://x")
    assert result.code == 1
    assert result.err.startswith("error: no installed backend handles URL scheme 'nosuch'")
    assert "sqlite" in result.err
    assert "Traceback" not in result.err


def test_password_is_masked_in_output(tether):
    result = tether("session", "migrate", "--from", "memory://bob:hunter2@a", "--to", "memory://b")
    assert result.code == 0, result
    assert "from memory://bob:***@a to memory://b" in result.out
    assert "hunter2" not in result.err + result.out


def test_debug_flag_and_env_show_traceback(tether):
    flag = tether("--debug", "session", "show", "missing")
    assert flag.code == 1
    assert "Traceback" in flag.err and "SessionNotFoundError" in flag.err
    env = tether("session", "show", "missing", env=cli_env(TETHER_DEBUG="1"))
    assert env.code == 1
    assert "Traceback" in env.err


def test_a_closed_pipe_ends_quietly(tether, isolated_home):
    import subprocess

    from tests.cli.helpers import seed
    from tether import open_store

    seed()
    with open_store() as store:  # more output than a pipe buffers, so the write must fail
        store.append_messages("demo", [{"role": "user", "content": "x" * 200}] * 2000)
    shown = subprocess.run(
        "tether session show demo | head -1", shell=True, capture_output=True, text=True
    )
    assert shown.stdout == "Session demo\n"
    assert "error" not in shown.stderr and "Broken pipe" not in shown.stderr
