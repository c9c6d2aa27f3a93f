"""``sqlite://``: sessions in one SQLite database file (stdlib ``sqlite3``, WAL mode).

See :mod:`tether.stores.sqlite.store` and docs/backends/sqlite.md.
"""

from tether.stores.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
