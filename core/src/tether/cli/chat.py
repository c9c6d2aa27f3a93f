"""``tether session start | resume``: an interactive chat whose turns persist in a store."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from tether.cli.options import SESSION_ID, db_option, open_cli_store, user_option
from tether.cli.output import plural

F = TypeVar("F", bound=Callable[..., Any])

PROMPT = "you> "
HELP = """Commands:
  /help   show this help
  /exit   leave the chat (also /quit or Ctrl-D); the session stays saved"""


def chat_options(command: F) -> F:
    """The options ``start`` and ``resume`` share."""
    for option in reversed(
        [
            click.option("--llm", "model", metavar="MODEL", default=None, help=_LLM_HELP),
            click.option(
                "--system", default=None, help="System prompt (the agent's instructions)."
            ),
            user_option(),
            db_option,
        ]
    ):
        command = option(command)
    return command


_LLM_HELP = (
    "Model, e.g. gpt-4o-mini or ollama/llama3 (default: $TETHER_LLM, else OpenAI when "
    "OPENAI_API_KEY is set, else the echo debugging model)."
)


@click.command()
@click.argument("session_id", type=SESSION_ID, required=False)
@chat_options
def start(
    session_id: str | None, model: str | None, system: str | None, user_id: str, db_url: str | None
) -> None:
    """Chat in a session (a new id when none is given); earlier turns are restored."""
    from tether.ids import new_session_id

    run_chat(session_id or new_session_id(), model, system, user_id, db_url, must_exist=False)


@click.command()
@click.argument("session_id", type=SESSION_ID)
@chat_options
def resume(
    session_id: str, model: str | None, system: str | None, user_id: str, db_url: str | None
) -> None:
    """Continue a chat in an existing session (exit code 1 if there is none)."""
    run_chat(session_id, model, system, user_id, db_url, must_exist=True)


def run_chat(
    session_id: str,
    model: str | None,
    system: str | None,
    user_id: str,
    db_url: str | None,
    *,
    must_exist: bool,
) -> None:
    """Open the session, report what was restored, then read and answer lines until exit."""
    from tether import Agent, MemoryConfig
    from tether.errors import SessionNotFoundError

    with open_cli_store(db_url) as store:
        exists = store.session_exists(session_id, user_id=user_id)
        earlier = store.count_messages(session_id, user_id=user_id) if exists else 0
    if must_exist and not exists:
        raise SessionNotFoundError(
            f"no session {session_id!r} for user {user_id!r} "
            f"(start one with: tether session start {session_id})"
        )
    llm = _llm(model)
    agent = Agent(
        "tether",
        system,
        llm=llm,
        memory=MemoryConfig(session_id=session_id, user_id=user_id, db=db_url),
    )
    if exists:
        click.echo(f"Resumed session {session_id}: {plural(earlier, 'earlier message')} restored.")
    else:
        click.echo(f"Started session {session_id}.")
    click.echo("Type /help for commands, /exit to leave.")
    _loop(agent)


def _llm(model: str | None) -> Any:
    from tether.llm import default_llm, get_llm

    if model is not None:
        return get_llm(model)
    llm, notice = default_llm()
    if notice:
        click.secho(notice, fg="yellow", err=True)
    return llm


def _loop(agent: Any) -> None:
    from tether.errors import TetherError

    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
    while True:
        try:
            line = _read_line(interactive)
        except (EOFError, KeyboardInterrupt):
            if interactive:
                click.echo()
            return
        if not line:
            continue
        if line in ("/exit", "/quit"):
            return
        if line == "/help":
            click.echo(HELP)
            continue
        if line.startswith("/") and " " not in line:
            click.echo(f"Unknown command {line}. {HELP}")
            continue
        try:
            reply = agent.chat(line)
        except KeyboardInterrupt:
            click.echo("\n(interrupted)")
            continue
        except TetherError as exc:
            click.echo(f"error: {exc}", err=True)
            continue
        click.echo(f"assistant> {_text(reply)}")


def _read_line(interactive: bool) -> str:
    """The next line typed at the prompt. Piped input is echoed after the prompt, so the
    output reads as a transcript."""
    if interactive:
        return input(PROMPT).strip()
    raw = sys.stdin.readline()
    if not raw:
        raise EOFError
    click.echo(PROMPT + raw.rstrip("\r\n"))
    return raw.strip()


def _text(reply: Any) -> str:
    content = getattr(reply, "content", reply)
    return "" if content is None else str(content)
