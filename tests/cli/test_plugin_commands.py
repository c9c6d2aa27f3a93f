"""Commands from a third-party plugin, installed for real: a distribution with an entry point
in group ``tether`` on PYTHONPATH, found by the executable through importlib.metadata."""

from __future__ import annotations

import json
import os

import pytest

from tests.cli.helpers import cli_env
from tether_testing.distributions import install_fake_distribution

PLUGIN = '''
import click
from tether import hookimpl
from tether.errors import StoreError


@click.command()
def hello():
    """Say hello."""
    click.echo("hello from a plugin")


@click.command()
@click.argument("url")
def vacuum(url):
    """Compact a database."""
    if url == "bad":
        raise StoreError("the database is locked")
    click.echo(f"vacuumed {url}")


@click.command("list")
def shadow():
    click.echo("the plugin's list")


@click.command()
def orphan():
    pass


@hookimpl
def register_commands(register):
    register(hello)
    register(vacuum, parent="db")
    register(shadow, parent="session")
    register(orphan, parent="nosuchgroup")
'''

BROKEN = """
from tether import hookimpl


@hookimpl
def register_commands(register):
    raise RuntimeError("boom")
"""


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    install_fake_distribution(folder, "tether-hello", "hello_plugin", "hello_plugin", PLUGIN)
    return folder


@pytest.fixture
def plugin_env(site):
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)
    return cli_env(PYTHONPATH=path)


def test_plugin_adds_commands_at_top_and_under_groups(tether, plugin_env):
    hello = tether("hello", env=plugin_env)
    assert hello.code == 0, hello
    assert hello.out == "hello from a plugin\n"
    vacuum = tether("db", "vacuum", "sqlite:///x.db", env=plugin_env)
    assert vacuum.out == "vacuumed sqlite:///x.db\n"
    assert "vacuum" in tether("db", "--help", env=plugin_env).out
    assert "hello" in tether("--help", env=plugin_env).out


def test_clashes_and_failures_are_reported_not_fatal(tether, site, plugin_env):
    install_fake_distribution(site, "tether-broken", "broken_plugin", "broken_plugin", BROKEN)
    result = tether("session", "list", env=plugin_env)
    assert result.code == 0, result
    assert result.out.startswith("No sessions")  # the built-in list wins
    assert "warning: plugin tether-hello 1.2.3: the command 'session list' already exists" in (
        result.err
    )
    assert "no command group 'nosuchgroup' for command 'orphan'" in result.err
    assert "warning: plugin tether-broken 1.2.3 failed to register its commands: boom" in result.err
    debug = tether("--debug", "session", "list", env=plugin_env)
    assert debug.code == 1 and "RuntimeError: boom" in debug.err


def test_plugin_command_errors_are_one_line(tether, plugin_env):
    result = tether("db", "vacuum", "bad", env=plugin_env)
    assert result.code == 1
    assert result.err.endswith("error: the database is locked\n")
    assert "Traceback" not in result.err


def test_plugins_lists_the_distribution(tether, plugin_env):
    rows = {row["name"]: row for row in json.loads(tether("plugins", "--json", env=plugin_env).out)}
    hello = rows["hello_plugin"]
    assert (hello["distribution"], hello["version"]) == ("tether-hello", "1.2.3")
    assert {"hello", "db vacuum"} <= set(hello["provides"]["commands"])
    table = tether("plugins", env=plugin_env).out
    assert "tether-hello" in table and "1.2.3" in table
