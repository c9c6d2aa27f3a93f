"""The command groups plugins add commands to: ``session`` and ``db``."""

from __future__ import annotations

import click


@click.group()
def session() -> None:
    """Manage sessions: list, chat, inspect, fork, export, migrate, prune."""


@click.group()
def db() -> None:
    """Database maintenance. Backend plugins add commands here, for example
    `tether db upgrade URL` from tether-postgres."""
