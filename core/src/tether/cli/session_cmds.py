"""``tether session list | show | delete | fork | snapshot | revert | prune``."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import islice
from typing import Any

import click

from tether.cli.options import (
    DURATION,
    SESSION_ID,
    confirm,
    db_option,
    find_snapshot,
    iter_sessions,
    json_option,
    open_cli_store,
    store_label,
    user_option,
    yes_option,
)
from tether.cli.output import content_text, echo_json, echo_table, plural, when


@click.command("list")
@user_option(every_user=True)
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most N."
)
@db_option
@json_option
def list_sessions(user_id: str | None, limit: int, db_url: str | None, as_json: bool) -> None:
    """List sessions, newest first."""
    with open_cli_store(db_url) as store:
        infos = list(islice(iter_sessions(store, user_id, page_size=min(limit, 500)), limit))
        if as_json:
            echo_json(infos)
            return
        echo_table(
            ["SESSION", "USER", "TITLE", "MESSAGES", "UPDATED", "FORKED FROM"],
            [
                (i.session_id, i.user_id, i.title, i.message_count, i.updated_at, i.parent_id)
                for i in infos
            ],
            empty=f"No sessions in {store_label(store)}.",
        )


@click.command()
@click.argument("session_id", type=SESSION_ID)
@click.option("--last", type=click.IntRange(min=1), default=None, help="Only the last N messages.")
@user_option()
@db_option
@json_option
def show(
    session_id: str, last: int | None, user_id: str, db_url: str | None, as_json: bool
) -> None:
    """Show a session: its messages, state, snapshots and runs."""
    with open_cli_store(db_url) as store:
        info = store.get_session(session_id, user_id=user_id)
        messages = store.get_messages(session_id, user_id=user_id, last=last)
        state = store.load_state(session_id, user_id=user_id)
        snapshots = (
            store.list_snapshots(session_id, user_id=user_id)
            if store.capabilities.snapshots
            else []
        )
        runs = store.list_runs(session_id, user_id=user_id)
    if as_json:
        echo_json(
            {
                "session": info,
                "messages": messages,
                "state": state,
                "snapshots": snapshots,
                "runs": runs,
            }
        )
        return
    _print_info(info)
    _section(f"Messages ({info.message_count})")
    for message in messages:
        _print_message(message)
    _section("State")
    click.echo(json.dumps(state, ensure_ascii=False, indent=2) if state else "(empty)")
    _section(f"Snapshots ({len(snapshots)})")
    echo_table(
        ["SNAPSHOT", "LABEL", "POSITION", "CREATED"],
        [(s.snapshot_id, s.label, s.position, s.created_at) for s in snapshots],
        empty="(none)",
    )
    _section(f"Runs ({len(runs)})")
    echo_table(
        ["RUN", "STATUS", "STARTED", "SECONDS", "TOKENS", "ERROR"],
        [
            (
                r.run_id,
                r.status,
                r.started_at,
                None if r.duration is None else f"{r.duration:.2f}",
                r.usage.total_tokens,
                r.error,
            )
            for r in runs
        ],
        empty="(none)",
    )


def _print_info(info: Any) -> None:
    click.secho(f"Session {info.session_id}", bold=True)
    rows = [
        ("user", info.user_id),
        ("title", info.title),
        ("agent", info.agent_name),
        ("created", when(info.created_at)),
        ("updated", when(info.updated_at)),
        ("expires", when(info.expires_at) if info.expires_at else None),
        (
            "forked from",
            f"{info.parent_id} at position {info.fork_index}" if info.parent_id else None,
        ),
        ("messages", f"{info.message_count} (next index {info.next_index})"),
        ("metadata", json.dumps(info.metadata, ensure_ascii=False) if info.metadata else None),
    ]
    for label, value in rows:
        if value is not None:
            click.echo(f"  {label + ':':<13}{value}")


def _section(title: str) -> None:
    click.echo()
    click.secho(title, bold=True)


def _print_message(message: Any) -> None:
    who = message.role if message.name is None else f"{message.role} ({message.name})"
    head = f"[{message.index}] {who} {when(message.created_at)}"
    if message.tool_call_id:
        head += f" answering {message.tool_call_id}"
    click.secho(head, dim=True)
    text = content_text(message.content)
    if text:
        click.echo("    " + text.replace("\n", "\n    "))
    for call in message.tool_calls or []:
        function = call.get("function", {})
        click.echo(f"    -> {function.get('name', '?')}({function.get('arguments', '')})")


@click.command()
@click.argument("session_id", type=SESSION_ID)
@yes_option
@user_option()
@db_option
def delete(session_id: str, yes: bool, user_id: str, db_url: str | None) -> None:
    """Delete a session with its messages, state, snapshots and runs (asks first)."""
    with open_cli_store(db_url) as store:
        info = store.get_session(session_id, user_id=user_id)
        if not yes:
            confirm(
                f"Delete session {session_id!r} of user {user_id!r} "
                f"({plural(info.message_count, 'message')})?"
            )
        store.delete_session(session_id, user_id=user_id)
    click.echo(f"Deleted session {session_id}.")


@click.command()
@click.argument("session_id", type=SESSION_ID)
@click.option(
    "--at",
    "position",
    type=click.IntRange(min=0),
    default=None,
    help="Keep the messages before this index (default: all).",
)
@click.option(
    "--snapshot",
    "snapshot_ref",
    default=None,
    metavar="SNAPSHOT",
    help="Fork from this snapshot (its id or label).",
)
@click.option("--title", default=None, help="Title of the new session.")
@click.option("--new-id", "new_id", type=SESSION_ID, default=None, help="Id of the new session.")
@user_option()
@db_option
@json_option
def fork(
    session_id: str,
    position: int | None,
    snapshot_ref: str | None,
    title: str | None,
    new_id: str | None,
    user_id: str,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Start a new session from this one's history and state."""
    if position is not None and snapshot_ref is not None:
        raise click.UsageError("give --at or --snapshot, not both")
    with open_cli_store(db_url) as store:
        snapshot_id = None
        if snapshot_ref is not None:
            snapshot_id = find_snapshot(store, session_id, user_id, snapshot_ref).snapshot_id
        info = store.fork_session(
            session_id,
            user_id=user_id,
            new_session_id=new_id,
            position=position,
            snapshot_id=snapshot_id,
            title=title,
        )
    if as_json:
        echo_json(info)
        return
    click.echo(
        f"Forked {session_id} into {info.session_id} ({plural(info.message_count, 'message')})."
    )


@click.command()
@click.argument("session_id", type=SESSION_ID)
@click.option("--label", default=None, help="A label for the snapshot.")
@user_option()
@db_option
@json_option
def snapshot(
    session_id: str, label: str | None, user_id: str, db_url: str | None, as_json: bool
) -> None:
    """Record the session's current position and state."""
    with open_cli_store(db_url) as store:
        snap = store.create_snapshot(session_id, user_id=user_id, label=label)
    if as_json:
        echo_json(snap)
        return
    click.echo(f"Snapshot {snap.snapshot_id} of {session_id} at position {snap.position}.")


@click.command()
@click.argument("session_id", type=SESSION_ID)
@click.argument("snapshot_ref", metavar="SNAPSHOT")
@user_option()
@db_option
@json_option
def revert(
    session_id: str, snapshot_ref: str, user_id: str, db_url: str | None, as_json: bool
) -> None:
    """Drop the messages added after a snapshot (its id or label) and restore its state."""
    with open_cli_store(db_url) as store:
        snap = find_snapshot(store, session_id, user_id, snapshot_ref)
        info = store.revert_to_snapshot(session_id, snap.snapshot_id, user_id=user_id)
    if as_json:
        echo_json(info)
        return
    click.echo(
        f"Reverted {session_id} to snapshot {snap.snapshot_id}"
        f"{f' ({snap.label})' if snap.label else ''}: "
        f"{plural(info.message_count, 'message')} left."
    )


@click.command()
@click.option("--expired", is_flag=True, help="Purge sessions whose TTL has passed (all users).")
@click.option(
    "--older-than",
    "older_than",
    type=DURATION,
    default=None,
    metavar="DURATION",
    help="Delete sessions not updated for this long: 30d, 12h, 1d12h, 90m.",
)
@yes_option
@user_option(every_user=True)
@db_option
@json_option
def prune(
    expired: bool,
    older_than: float | None,
    yes: bool,
    user_id: str | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Delete expired or old sessions (asks first)."""
    from tether.models import utcnow

    if not expired and older_than is None:
        raise click.UsageError("give --expired, --older-than DURATION, or both")
    with open_cli_store(db_url) as store:
        old: list[Any] = []
        if older_than is not None:
            cutoff = utcnow() - timedelta(seconds=older_than)
            old = [i for i in iter_sessions(store, user_id) if i.updated_at < cutoff]
        question = []
        if old:
            question.append(
                f"delete {plural(len(old), 'session')} not updated since {when(cutoff)}"
            )
        if expired:
            question.append("purge every expired session")
        if not question:
            _prune_report(as_json, [], 0, older_than is not None, expired)
            return
        if not yes:
            confirm(f"In {store_label(store)}: {' and '.join(question)}?")
        deleted = [i for i in old if store.delete_session(i.session_id, user_id=i.user_id)]
        purged = store.purge_expired() if expired else 0
    _prune_report(as_json, deleted, purged, older_than is not None, expired)


def _prune_report(
    as_json: bool, deleted: list[Any], purged: int, by_age: bool, expired: bool
) -> None:
    if as_json:
        echo_json(
            {
                "deleted": [{"session_id": i.session_id, "user_id": i.user_id} for i in deleted],
                "expired_purged": purged,
            }
        )
        return
    if by_age:
        click.echo(f"Deleted {plural(len(deleted), 'old session')}.")
    if expired:
        click.echo(f"Purged {plural(purged, 'expired session')}.")
