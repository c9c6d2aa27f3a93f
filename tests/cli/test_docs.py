"""docs/cli.md: every ```console example runs, top to bottom, in one scratch folder and one
TETHER_HOME, and prints what the page shows (``...`` stands for anything, whitespace runs
compare equal). A command exits 0 unless the output shown has an ``error:``/``Error:`` or
``Aborted!`` line. The ```python plugin example is loaded as a plugin and its commands
must attach."""

from __future__ import annotations

import doctest
import re
import subprocess
from pathlib import Path

import click
from click.testing import CliRunner

from tests.cli.helpers import cli_env

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
FENCE = re.compile(r"^```(console|python)\n(.*?)^```$", re.M | re.S)
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
FAILED = re.compile(r"^(error:|Error:|Aborted!)", re.M)


def blocks(kind: str) -> list[tuple[int, str]]:
    text = PAGE.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start(2)) + 1, m.group(2))
        for m in FENCE.finditer(text)
        if m.group(1) == kind
    ]


def commands(block: str) -> list[tuple[int, str, str]]:
    """(line offset, command, expected output) for each ``$ command`` in a console block."""
    found: list[tuple[int, str, list[str]]] = []
    for offset, line in enumerate(block.splitlines()):
        if line.startswith("$ "):
            found.append((offset, line[2:], []))
        elif found:
            found[-1][2].append(line)
    return [(offset, command, "\n".join(out)) for offset, command, out in found]


def test_the_parser_splits_commands_and_output():
    assert commands("$ a\nout 1\nout 2\n$ b\n") == [(0, "a", "out 1\nout 2"), (3, "b", "")]


def test_every_session_command_has_an_example():
    from tether.cli.builtin import register_commands

    names: list[str] = []
    register_commands(register=lambda command, parent=None: names.append(command.name))
    shown = "\n".join(block for _, block in blocks("console"))
    for name in names:
        if name not in ("session", "db"):
            assert re.search(rf"^\$ .*tether (session )?{name}\b", shown, re.M), name


def test_console_examples(tmp_path, isolated_home):
    env = cli_env(COLUMNS="100")
    checker = doctest.OutputChecker()
    for first_line, block in blocks("console"):
        for offset, command, want in commands(block):
            where = f"docs/cli.md:{first_line + offset}: {command}"
            proc = subprocess.run(
                ["bash", "-c", "{ " + command + "\n} 2>&1"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            got = proc.stdout
            expected = want + "\n" if want else ""
            assert checker.check_output(expected, got, OPTIONS), f"{where}\n{got}"
            assert (proc.returncode != 0) == bool(FAILED.search(want)), f"{where}\n{got}"


def test_plugin_example_registers_its_commands():
    from tether.cli import build_cli
    from tether.plugins import get_plugin_manager

    (first_line, code), *_ = blocks("python")
    namespace: dict = {"__name__": "docs_cli_plugin"}
    exec(compile("\n" * (first_line - 1) + code, str(PAGE), "exec"), namespace)
    pm = get_plugin_manager(load_entry_points=False)
    module = type(click)("docs_cli_plugin")
    module.__dict__.update(namespace)
    pm.register(module, name="docs_cli_plugin")
    cli = build_cli(pm)
    group = cli.commands["session"]
    assert isinstance(group, click.Group) and "stats" in group.commands
    result = CliRunner().invoke(cli, ["session", "stats", "--db", "memory://docs"])
    assert (result.exit_code, result.output) == (0, "No sessions.\n")
