"""tether-postgres: a PostgreSQL session store for tether (sync and native async).

``tether.open_store("postgresql://user@host/db?schema=app")`` finds it through the
``tether`` entry point. The store class is :class:`tether_postgres.store.PostgresStore`;
:func:`tether_postgres.admin.upgrade` applies schema migrations ahead of time. Importing
this package does not import psycopg.
"""

__version__ = "0.1.0"
