"""tether-postgres: a PostgreSQL session store for tether (sync and native async).

``tether.open_store("postgresql://user@host/db?schema=app")`` finds it through the
``tether`` entry point; the store class is :class:`tether_postgres.store.PostgresStore`.
Importing this package does not import psycopg.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def upgrade(url: str, **options: Any) -> tuple[int, int]:
    """Apply pending schema migrations at ``url``; returns ``(old, new)`` versions.

    The same as ``tether db upgrade URL`` (see :func:`tether_postgres.admin.upgrade`).
    """
    from tether_postgres.admin import upgrade as apply

    return apply(url, **options)
