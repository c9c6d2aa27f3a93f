"""Fixtures of the CLI tests (helpers live in ``tests.cli.helpers``)."""

from __future__ import annotations

import subprocess

import pytest

from tests.cli.helpers import Result, cli_env, tether_command


@pytest.fixture
def tether(isolated_home):
    """``tether(*args, input=None, env=None)`` runs the CLI and returns a :class:`Result`."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        proc = subprocess.run(
            [*tether_command(), *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=env if env is not None else cli_env(),
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run
