"""``tether plugins``: what is installed and what each plugin provides."""

from __future__ import annotations

import click

from tether.cli.options import json_option
from tether.cli.output import echo_json, echo_table


@click.command()
@json_option
def plugins(as_json: bool) -> None:
    """List installed plugins, their versions and what each registers."""
    from tether.plugins import describe_plugins

    rows = describe_plugins()
    if as_json:
        echo_json(rows)
        return
    echo_table(
        ["PLUGIN", "DISTRIBUTION", "VERSION", "PROVIDES"],
        [
            (
                row["name"],
                row["distribution"],
                row["version"],
                "; ".join(f"{kind}: {', '.join(names)}" for kind, names in row["provides"].items())
                or ", ".join(row["hooks"]),
            )
            for row in rows
        ],
        width=200,
    )
