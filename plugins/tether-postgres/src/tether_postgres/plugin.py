"""The ``tether`` entry point: registers the backend and the ``tether db upgrade`` command.

Kept light: psycopg is imported only when a store is opened or the command runs.
"""

from __future__ import annotations

from typing import Any

from tether.hookspecs import hookimpl


def open_postgres_store(url: str, **options: Any) -> Any:
    """Factory for ``postgresql://`` and ``postgres://`` URLs."""
    from tether_postgres.store import PostgresStore

    return PostgresStore(url, **options)


@hookimpl
def register_session_stores(register: Any) -> None:
    register(
        "postgres",
        ("postgresql", "postgres"),
        open_postgres_store,
        description="PostgreSQL (psycopg 3), sync and native async",
    )


@hookimpl
def register_commands(register: Any) -> None:
    from tether_postgres.cli import upgrade_command

    register(upgrade_command, parent="db")
