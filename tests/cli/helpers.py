"""Helpers of the CLI tests: run the real ``tether`` executable, seed a store."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass

LLM_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "TETHER_LLM", "TETHER_MODEL", "TETHER_DEBUG")


def tether_command() -> list[str]:
    """The installed ``tether`` script, else ``python -m tether.cli``."""
    script = shutil.which("tether")
    return [script] if script else [sys.executable, "-m", "tether.cli"]


def cli_env(**extra: str) -> dict[str, str]:
    """The current environment (TETHER_HOME included) without LLM settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in LLM_ENV}
    env.update(extra)
    return env


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def seed(url: str | None = None) -> None:
    """A store with something of everything: session ``demo`` (history with a tool call,
    state, a snapshot, a run), its fork ``demo-fork``, and bob's session ``demo``."""
    from tether import open_store
    from tether.models import Run

    with open_store(url) as store:
        store.create_session("demo", title="Demo chat", metadata={"topic": "tests"})
        store.append_messages(
            "demo",
            [
                {"role": "user", "content": "What is 6 x 7?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "multiply", "arguments": '{"a": 6, "b": 7}'},
                        }
                    ],
                },
                {"role": "tool", "content": "42", "tool_call_id": "call_1"},
                {"role": "assistant", "content": "6 x 7 = 42 ✓"},
            ],
        )
        store.save_state("demo", {"step": 2, "lang": "en"})
        store.create_snapshot("demo", label="answered")
        store.save_run(Run(session_id="demo", status="completed"))
        store.fork_session("demo", new_session_id="demo-fork", position=1, title="A fork")
        store.append_message("demo-fork", {"role": "user", "content": "only in the fork"})
        store.create_session("demo", user_id="bob")
        store.append_message("demo", {"role": "user", "content": "bob's"}, user_id="bob")
