"""``tether db upgrade URL``: the click command this plugin adds to the tether CLI."""

from __future__ import annotations

import click


@click.command("upgrade")
@click.argument("url")
@click.option("--schema", default=None, help="Schema holding the tether tables (or ?schema=).")
def upgrade_command(url: str, schema: str | None) -> None:
    """Apply pending PostgreSQL schema migrations to the database at URL."""
    from tether.errors import TetherError
    from tether.stores.url import mask_url
    from tether_postgres.admin import upgrade

    options = {"schema": schema} if schema else {}
    try:
        old, new = upgrade(url, **options)
    except TetherError as exc:
        raise click.ClickException(str(exc)) from exc
    where = mask_url(url)
    if old == new:
        click.echo(f"{where}: schema already at version {new}")
    else:
        click.echo(f"{where}: schema upgraded from version {old} to {new}")
