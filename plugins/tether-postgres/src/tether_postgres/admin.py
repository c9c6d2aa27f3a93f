"""Applying schema migrations ahead of time (``tether db upgrade URL``)."""

from __future__ import annotations

from typing import Any

import psycopg

from tether_postgres import drivers
from tether_postgres.config import parse
from tether_postgres.errors import translate
from tether_postgres.migrations import ensure_schema
from tether_postgres.statements import render


def upgrade(url: str, **options: Any) -> tuple[int, int]:
    """Bring the tether tables at ``url`` (``?schema=`` included) to the latest version.

    Returns ``(old, new)`` schema versions; ``old == new`` when nothing was pending. Safe
    to run while stores are in use and from several processes at once.
    """
    settings = parse(url, {**options, "migrate": True})
    try:
        with psycopg.connect(settings.conninfo, **settings.connection_kwargs) as conn:
            return drivers.run(conn, ensure_schema(render(settings.schema)))
    except psycopg.Error as exc:
        raise translate(exc, settings) from exc
