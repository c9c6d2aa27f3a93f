"""The built-in store backends, registered through the same hook as any plugin."""

from __future__ import annotations

from typing import Any

from tether.hookspecs import hookimpl


def _memory(url: str, **options: Any):
    from tether.stores.memory import MemoryStore

    return MemoryStore(url, **options)


def _file(url: str | None, **options: Any):
    from tether.stores.file import FileStore

    return FileStore(url, **options)


def _sqlite(url: str, **options: Any):
    from tether.stores.sqlite import SQLiteStore

    return SQLiteStore(url, **options)


@hookimpl
def register_session_stores(register):
    register("memory", ("memory",), _memory, description="In-process only; lost on exit")
    register("file", ("file",), _file, description="JSON Lines files (the default)")
    register("sqlite", ("sqlite",), _sqlite, description="SQLite database file (stdlib)")
