"""``tether session export | import | migrate``: sessions moved whole, as the store exports
them (ids, indexes, timestamps, state, snapshots, runs and fork links kept)."""

from __future__ import annotations

import sys
from typing import Any

import click

from tether.cli.options import (
    SESSION_ID,
    USER_ID,
    db_option,
    iter_sessions,
    json_option,
    open_cli_store,
    store_label,
    user_option,
)
from tether.cli.output import echo_json, plural


@click.command()
@click.argument("session_id", type=SESSION_ID)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to FILE instead of stdout.",
)
@user_option()
@db_option
def export(session_id: str, output: str | None, user_id: str, db_url: str | None) -> None:
    """Write a session as JSON Lines: a header line with the session's info, then one line
    per message, the state, each snapshot and each run."""
    from tether.cli.jsonl import export_lines

    with open_cli_store(db_url) as store:
        data = store.export_session(session_id, user_id=user_id)
    lines = export_lines(data)
    if output is None:
        for line in lines:
            click.echo(line)
        return
    _write_atomically(output, lines)
    click.echo(f"Exported {session_id} ({_contents(data)}) to {output}.", err=True)


def _write_atomically(path: str, lines: list[str]) -> None:
    import os
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tether-export-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in lines)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--replace", is_flag=True, help="Overwrite sessions that already exist.")
@click.option(
    "--user",
    "user_id",
    type=USER_ID,
    default=None,
    help="Import as this user (default: the user recorded in the file).",
)
@db_option
@json_option
def import_(
    file: Any, replace: bool, user_id: str | None, db_url: str | None, as_json: bool
) -> None:
    """Read sessions written by `tether session export` (FILE or - for stdin)."""
    from tether.cli.jsonl import read_exports
    from tether.errors import SessionExistsError

    exports = read_exports(file, getattr(file, "name", "input"))
    imported = []
    with open_cli_store(db_url) as store:
        for data in exports:
            if user_id is not None:
                data.info.user_id = user_id
            try:
                imported.append(store.import_session(data, replace=replace))
            except SessionExistsError as exc:
                raise SessionExistsError(f"{exc}; use --replace to overwrite it") from exc
    if as_json:
        echo_json(imported)
        return
    for info, data in zip(imported, exports, strict=True):
        click.echo(f"Imported {info.session_id} ({_contents(data)}).")


@click.command()
@click.option(
    "--from",
    "source_url",
    metavar="URL",
    default=None,
    help="Store to copy from (default: the default file store).",
)
@click.option("--to", "target_url", metavar="URL", required=True, help="Store to copy into.")
@user_option(every_user=True)
@json_option
def migrate(source_url: str | None, target_url: str, user_id: str | None, as_json: bool) -> None:
    """Copy every session (history, state, snapshots, runs, fork links) to another store.
    Sessions already there are replaced, so running it again is safe."""
    from tether.stores.registry import default_store_url

    if (source_url or default_store_url()) == target_url:
        raise click.UsageError("--from and --to name the same store")
    totals = {"sessions": 0, "messages": 0, "snapshots": 0, "runs": 0}
    failed: list[dict[str, str]] = []
    with open_cli_store(source_url) as source, open_cli_store(target_url) as target:
        infos = list(iter_sessions(source, user_id))
        with click.progressbar(
            infos, label="Migrating sessions", file=sys.stderr, show_pos=True
        ) as bar:
            for info in bar:
                _migrate_one(source, target, info, totals, failed)
        where = f"from {store_label(source)} to {store_label(target)}"
    if as_json:
        echo_json({**totals, "failed": failed})
    else:
        click.echo(
            f"Migrated {plural(totals['sessions'], 'session')} "
            f"({plural(totals['messages'], 'message')}, {plural(totals['snapshots'], 'snapshot')}, "
            f"{plural(totals['runs'], 'run')}) {where}"
            + (f"; {len(failed)} failed." if failed else ".")
        )
        for failure in failed:
            click.echo(
                f"error: {failure['session_id']} (user {failure['user_id']}): {failure['error']}",
                err=True,
            )
    if failed:
        sys.exit(1)


def _migrate_one(
    source: Any, target: Any, info: Any, totals: dict[str, int], failed: list[dict[str, str]]
) -> None:
    from tether.cli.app import debug_enabled, describe_error
    from tether.errors import SessionNotFoundError

    try:
        data = source.export_session(info.session_id, user_id=info.user_id)
        target.import_session(data, replace=True)
    except SessionNotFoundError:
        return  # deleted or expired since it was listed: nothing to copy
    except Exception as exc:
        if debug_enabled():
            raise
        failed.append(
            {"session_id": info.session_id, "user_id": info.user_id, "error": describe_error(exc)}
        )
        return
    totals["sessions"] += 1
    totals["messages"] += len(data.messages)
    totals["snapshots"] += len(data.records.get("snapshot", []))
    totals["runs"] += len(data.records.get("run", []))


def _contents(data: Any) -> str:
    return (
        f"{plural(len(data.messages), 'message')}, "
        f"{plural(len(data.records.get('snapshot', [])), 'snapshot')}, "
        f"{plural(len(data.records.get('run', [])), 'run')}"
    )
