"""The top-level ``tether`` group: built from the ``register_commands`` hook, with one place
that turns exceptions into one-line ``error: ...`` messages (``--debug`` shows tracebacks)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from tether.plugins import TetherPluginManager

DEBUG_ENV = "TETHER_DEBUG"


class CLIError(click.ClickException):
    """A failure shown to the user as one line ``error: ...`` on stderr, exit code 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class TetherGroup(click.Group):
    """The root group. Errors raised by any command end here: people get one line, and a
    traceback only with ``--debug`` or ``TETHER_DEBUG=1``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (``tether session show x | head``): stop quietly, as
            # Unix tools do, and keep Python from complaining while flushing at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:
            if debug_enabled(ctx):
                raise
            raise CLIError(describe_error(exc)) from exc


def debug_enabled(ctx: click.Context | None = None) -> bool:
    """True under ``tether --debug`` or ``TETHER_DEBUG=1``: show tracebacks."""
    ctx = ctx or click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    return bool(root is not None and root.params.get("debug")) or _env_debug()


def describe_error(exc: BaseException) -> str:
    """A one-line message for ``exc``: tether's own errors are written for people; anything
    else is unexpected, so it is named by type and points at ``--debug``."""
    from tether.errors import TetherError

    if isinstance(exc, TetherError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or exc}: {exc.filename}"
    detail = str(exc)
    return f"{type(exc).__name__}{': ' + detail if detail else ''} (run with --debug for details)"


def _env_debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _version() -> str:
    from tether import __version__

    return __version__


def _root() -> TetherGroup:
    @click.group(
        cls=TetherGroup,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    @click.option(
        "--debug",
        is_flag=True,
        help=f"Show full tracebacks on errors (also {DEBUG_ENV}=1).",
    )
    @click.version_option(_version(), "--version", prog_name="tether")
    def tether(debug: bool) -> None:
        """tether: persistent, pluggable sessions for AI agents.

        Sessions live in the default file store under $TETHER_HOME (~/.tether) unless a
        command gets --db URL (sqlite:///chat.db, postgresql://..., redis://..., ...).
        """

    return tether  # type: ignore[return-value]


def build_cli(pm: TetherPluginManager | None = None, *, debug: bool = False) -> click.Group:
    """The ``tether`` group with every command plugins register (built-ins included).

    A plugin whose ``register_commands`` fails is reported and skipped, unless ``debug``."""
    from tether.plugins import plugin_manager

    pm = pm or plugin_manager()
    root = _root()
    registered = _collect_commands(pm, debug or _env_debug())
    # Groups before their children: attach by depth of the parent path, keeping the
    # plugins' order (built-ins first) within one depth, so built-ins win name clashes.
    registered.sort(key=lambda item: len(_path(item[1])))
    for command, parent, source in registered:
        _attach(root, command, parent, source)
    return root


def _collect_commands(pm: TetherPluginManager, debug: bool) -> list[tuple[click.Command, Any, str]]:
    found: list[tuple[click.Command, Any, str]] = []
    for impl in pm.hook.register_commands.get_hookimpls():
        source = pm.source_of(impl.plugin)

        def register(command: Any, parent: Any = None, *, _source: str = source) -> None:
            if not isinstance(command, click.Command):
                _warn(f"plugin {_source} registered {command!r}, which is not a click command")
                return
            found.append((command, parent, _source))

        try:
            impl.function(register=register)
        except Exception as exc:
            if debug:
                raise
            _warn(f"plugin {source} failed to register its commands: {exc}")
    return found


def _path(parent: Any) -> list[str]:
    if parent is None:
        return []
    return str(parent).replace(".", " ").split()


def _attach(root: click.Group, command: click.Command, parent: Any, source: str) -> None:
    group: click.Command = root
    for part in _path(parent):
        child = group.commands.get(part) if isinstance(group, click.Group) else None
        if child is None:
            _warn(f"plugin {source}: no command group {parent!r} for command {command.name!r}")
            return
        group = child
    if not isinstance(group, click.Group):
        _warn(f"plugin {source}: {parent!r} is not a command group ({command.name!r} skipped)")
        return
    if command.name in group.commands:
        where = f"{group.name} {command.name}" if group is not root else command.name
        _warn(f"plugin {source}: the command {where!r} already exists; keeping the first one")
        return
    group.add_command(command)


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``tether`` executable."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _env_debug() or "--debug" in args
    try:
        cli = build_cli(debug=debug)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"error: {describe_error(exc)}", err=True)
        sys.exit(1)
    cli.main(args=args, prog_name="tether")
