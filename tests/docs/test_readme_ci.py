"""The README's test command is the one .ci/run runs, and the quick start is what it says."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def marked_command() -> str:
    block = re.search(r"<!-- test-command -->\n```bash\n(.*?)\n```\n<!-- /test-command -->", README)
    assert block, "README.md lost its <!-- test-command --> block"
    return block.group(1)


def test_test_command_is_one_line_that_installs_nox_and_runs_it():
    command = marked_command()
    assert "\n" not in command
    assert command.startswith("python3 -m pip install ") and command.endswith("python3 -m nox")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_ci_runs_exactly_the_readme_command():
    out = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run"), "--print-command"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == marked_command()


def test_ci_script_is_executable():
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111


def test_quick_start_first_command_installs_and_starts_a_chat():
    quick_start = README.split("## Quick start", 1)[1]
    first = re.search(r"```bash\n(.*?)\n```", quick_start, re.S).group(1)
    assert first == "pip install ./core && tether session start demo"


PLUGINS = sorted(p for p in (ROOT / "plugins").glob("*") if (p / "pyproject.toml").is_file())


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.name)
def test_ci_can_run_each_plugin_in_isolation(plugin):
    """The nox session of a plugin installs ``./plugins/<name>[test]`` and runs its tests:
    the extra, the entry point and the tests must be there."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((plugin / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "test" in project.get("optional-dependencies", {}), f"{plugin.name}: no [test] extra"
    assert project.get("entry-points", {}).get("tether"), f"{plugin.name}: no tether entry point"
    assert list((plugin / "tests").glob("test_*.py")), f"{plugin.name}: no tests/test_*.py"


def test_plugins_are_found():
    assert "_template" in [p.name for p in PLUGINS]
