"""Options and helpers shared by tether's commands; plugin commands may use them too.

```python
import click
from tether.cli.options import db_option, open_cli_store, user_option

@click.command()
@db_option
@user_option()
def stats(db_url, user_id):
    with open_cli_store(db_url) as store:
        ...
```
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tether.ids import DEFAULT_USER_ID

if TYPE_CHECKING:
    from tether.models import Snapshot
    from tether.stores.base import SessionStore

F = TypeVar("F", bound=Callable[..., Any])


class IdType(click.ParamType):
    """A session, user or snapshot id, checked with :func:`tether.ids.validate_id`, so a bad
    id is a usage error (exit code 2) that names the rule it breaks."""

    name = "id"

    def __init__(self, kind: str = "session id") -> None:
        self.kind = kind

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        from tether.errors import InvalidSessionIdError
        from tether.ids import validate_id

        try:
            return validate_id(value, self.kind)
        except InvalidSessionIdError as exc:
            self.fail(str(exc), param, ctx)


SESSION_ID = IdType("session id")
USER_ID = IdType("user id")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


class DurationType(click.ParamType):
    """A duration such as ``30d``, ``12h``, ``1d12h``, ``90m`` or ``45s``, in seconds."""

    name = "duration"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        parts = _DURATION.findall(text)
        if not parts or _DURATION.sub("", text).strip():
            self.fail(f"{value!r} is not a duration (examples: 30d, 12h, 1d12h, 90m)", param, ctx)
        return sum(float(n) * _UNITS[unit] for n, unit in parts)


DURATION = DurationType()


db_option = click.option(
    "--db",
    "db_url",
    metavar="URL",
    default=None,
    help="Store URL, e.g. sqlite:///chat.db (default: the file store under $TETHER_HOME).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
yes_option = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")


def user_option(*, every_user: bool = False) -> Callable[[F], F]:
    """``--user U``. With ``every_user`` the default (None) means all users, otherwise
    the default user."""
    if every_user:
        return click.option(
            "--user", "user_id", type=USER_ID, default=None, help="Only this user (default: all)."
        )
    return click.option(
        "--user",
        "user_id",
        type=USER_ID,
        default=DEFAULT_USER_ID,
        show_default=True,
        help="The user the session belongs to.",
    )


@contextmanager
def open_cli_store(db_url: str | None) -> Iterator[SessionStore]:
    """Open the store named by ``--db`` (the default file store for None); closed on exit."""
    from tether.stores.registry import open_store

    store = open_store(db_url)
    try:
        yield store
    finally:
        store.close()


def store_label(store: SessionStore) -> str:
    """The store's URL with any password masked, for messages."""
    from tether.stores.url import mask_url

    return mask_url(store.url or "")


def iter_sessions(store: SessionStore, user_id: str | None, page_size: int = 500) -> Iterator[Any]:
    """Every live session (of ``user_id``, or of all users for None), newest first."""
    cursor = None
    while True:
        page = store.list_sessions(user_id=user_id, limit=page_size, cursor=cursor)
        yield from page.items
        cursor = page.next_cursor
        if cursor is None:
            return


def find_snapshot(store: SessionStore, session_id: str, user_id: str, ref: str) -> Snapshot:
    """The session's snapshot whose id, or else whose label, is ``ref``."""
    from tether.errors import InvalidInputError, SnapshotNotFoundError

    snapshots = store.list_snapshots(session_id, user_id=user_id)
    by_id = [s for s in snapshots if s.snapshot_id == ref]
    labelled = by_id or [s for s in snapshots if s.label == ref]
    if len(labelled) == 1:
        return labelled[0]
    if labelled:
        raise InvalidInputError(
            f"{len(labelled)} snapshots of session {session_id!r} are labelled {ref!r}; "
            f"give one of their ids: {', '.join(s.snapshot_id for s in labelled)}"
        )
    raise SnapshotNotFoundError(f"no snapshot {ref!r} (id or label) in session {session_id!r}")


def confirm(question: str) -> None:
    """Ask ``question``; anything but yes (no answer at all included) ends the command with
    exit code 1 before anything is changed."""
    import sys

    try:
        agreed = click.confirm(question, default=False)
    except click.Abort:
        agreed = False
    if not sys.stdin.isatty():
        click.echo()  # the piped answer is not echoed: end the prompt's line
    if not agreed:
        from tether.cli.app import CLIError

        raise CLIError("not confirmed; nothing was deleted")
