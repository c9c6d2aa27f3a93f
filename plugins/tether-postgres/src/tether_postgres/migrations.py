"""Applying the schema migrations: on a store's first use, or with ``tether db upgrade``.

The check is one short transaction. Only when migrations are pending does it take a
transaction-scoped advisory lock (one per schema), re-read the version and apply the
missing migrations, so concurrent first uses from many processes are safe.
"""

from __future__ import annotations

from typing import Any

from tether.errors import SchemaVersionError
from tether_postgres.ops import Gen, Stmt, operation
from tether_postgres.schema import LATEST, MIGRATIONS, VERSION_TABLE
from tether_postgres.statements import Queries


@operation(tx=True)
def ensure_schema(q: Queries, migrate: bool = True) -> Gen:
    """Bring the schema to the latest version; returns ``(old, new)`` versions."""
    table = f"{q.quoted}.tether_schema_version"
    exists = yield Stmt(q.sql("version_table_exists"), {"table": table})
    version = (yield Stmt(q.sql("version")))[0][0] if exists[0][0] else 0
    _check_known(q, version)
    if version == LATEST:
        return version, version
    if not migrate:
        raise SchemaVersionError(
            f"the tether tables in schema {q.schema!r} are at version {version}, this "
            f"tether-postgres needs version {LATEST}; run `tether db upgrade URL` "
            "(or open the store with migrate=true)"
        )
    yield Stmt(q.sql("migration_lock"), {"schema": q.schema})
    yield Stmt(q.sql("create_schema"))
    yield Stmt(q.render(VERSION_TABLE))
    version = (yield Stmt(q.sql("version")))[0][0]
    _check_known(q, version)
    for migration in MIGRATIONS:
        if migration.version > version:
            for statement in migration.statements:
                yield Stmt(q.render(statement))
            params: dict[str, Any] = {
                "version": migration.version,
                "description": migration.description,
            }
            yield Stmt(q.sql("record_version"), params)
    return version, LATEST


def _check_known(q: Queries, version: int) -> None:
    if version > LATEST:
        raise SchemaVersionError(
            f"the tether tables in schema {q.schema!r} are at version {version}, newer than "
            f"this tether-postgres understands ({LATEST}); upgrade tether-postgres"
        )
