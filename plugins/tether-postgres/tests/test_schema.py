"""Schema migrations, ``tether db upgrade``, options and plugin registration."""

from __future__ import annotations

import multiprocessing

import pytest
from click.testing import CliRunner

import tether
from tether.errors import ConfigurationError, SchemaVersionError
from tether.stores.registry import find_backend
from tether_postgres import upgrade
from tether_postgres.config import parse
from tether_postgres.schema import LATEST
from tether_postgres.store import PostgresStore
from tether_testing.lazy import modules_imported_by_plugin_loading


def versions(sql, schema):
    return [v for (v,) in sql(f'SELECT version FROM "{schema}".tether_schema_version')]


def test_first_use_creates_the_schema_and_records_its_version(pg, sql, schema):
    assert not sql("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    pg.create_session("s")
    assert versions(sql, schema) == list(range(1, LATEST + 1))
    tables = {t for (t,) in sql("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))}
    assert tables == {
        "tether_schema_version",
        "tether_sessions",
        "tether_messages",
        "tether_records",
    }


def test_upgrade_reports_old_and_new_versions(pg_url, sql, schema):
    assert upgrade(pg_url) == (0, LATEST)
    assert upgrade(pg_url) == (LATEST, LATEST)
    assert versions(sql, schema) == list(range(1, LATEST + 1))


def _first_use(url: str, session_id: str) -> str:
    store = tether.open_store(url)
    try:
        return store.create_session(session_id).session_id
    finally:
        store.close()


def test_concurrent_first_uses_migrate_once(pg_url, sql, schema):
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        created = pool.starmap(_first_use, [(pg_url, f"s{i}") for i in range(4)])
    assert sorted(created) == ["s0", "s1", "s2", "s3"]
    assert versions(sql, schema) == list(range(1, LATEST + 1))


def test_a_newer_schema_is_refused(pg_url, sql, schema):
    upgrade(pg_url)
    sql(
        f'INSERT INTO "{schema}".tether_schema_version (version, description) '
        "VALUES (%s, 'from the future')",
        (LATEST + 1,),
    )
    store = tether.open_store(pg_url)
    with pytest.raises(SchemaVersionError, match="newer"):
        store.list_sessions()
    store.close()


def test_migrate_false_asks_for_tether_db_upgrade(pg_url, sql, schema):
    store = tether.open_store(pg_url, migrate=False)
    with pytest.raises(SchemaVersionError, match="tether db upgrade"):
        store.list_sessions()
    store.close()
    assert not sql("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    upgrade(pg_url)
    store = tether.open_store(pg_url + "&migrate=false")
    assert store.list_sessions().items == []
    store.close()


def test_tether_db_upgrade_command(pg_url, schema, sql):
    from tether.cli.app import build_cli
    from tether.plugins import get_plugin_manager

    cli = build_cli(get_plugin_manager())
    result = CliRunner().invoke(cli, ["db", "upgrade", pg_url])
    assert result.exit_code == 0, result.output
    assert f"from version 0 to {LATEST}" in result.output
    result = CliRunner().invoke(cli, ["db", "upgrade", pg_url])
    assert result.exit_code == 0 and "already at version" in result.output
    bad = CliRunner().invoke(cli, ["db", "upgrade", "postgresql://u:pw@127.0.0.1:1/x"])
    assert bad.exit_code != 0 and "u:***@" in bad.output and ":pw@" not in bad.output


def test_both_schemes_find_the_backend():
    for url in ("postgresql://h/db", "postgres://h/db", "postgresql+psycopg://h/db"):
        assert find_backend(url).name == "postgres"
    store = tether.open_store("postgres://root@127.0.0.1/test", schema="x", max_size=3)
    assert isinstance(store, PostgresStore)
    assert store.settings.schema == "x" and store.settings.max_size == 3
    assert store.settings.conninfo.startswith("postgresql://root@127.0.0.1/test?")
    store.close()


def test_libpq_parameters_pass_through(pg_url, sql):
    store = tether.open_store(pg_url + "&options=-c%20statement_timeout%3D4321")
    store.create_session("s")
    with store._open_pool().connection() as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "4321ms"
    store.close()


def test_options_from_url_and_keywords():
    settings = parse(
        "postgresql://u:p@h:5433/db?schema=app&max_size=4&sslmode=disable&pool_timeout=2.5",
        {"min_size": 0},
    )
    assert (settings.schema, settings.min_size, settings.max_size) == ("app", 0, 4)
    assert settings.pool_timeout == 2.5 and settings.migrate is True
    assert "schema" not in settings.conninfo and "sslmode=disable" in settings.conninfo
    assert "connect_timeout=5" in settings.conninfo
    assert parse("postgresql://h/db?schema=a", {"schema": "b"}).schema == "b"
    assert parse("postgresql://h/db?prepare_threshold=none", {}).prepare_threshold is None
    assert parse("postgresql://h/db", {"prepare_threshold": 0}).prepare_threshold == 0


@pytest.mark.parametrize(
    "url, options",
    [
        ("postgresql://h/db", {"shema": "x"}),
        ("postgresql://h/db?schema=a;drop", {}),
        ("postgresql://h/db", {"schema": 'x"; DROP TABLE t; --'}),
        ("postgresql://h/db?max_size=0", {}),
        ("postgresql://h/db?min_size=5&max_size=2", {}),
        ("postgresql://h/db?pool_timeout=soon", {}),
        ("postgresql://h/db?migrate=maybe", {}),
        ("postgresql://h/db?prepare_threshold=-1", {}),
        ("postgresql://u:secret@h/db?not_a_libpq_option=1", {}),
    ],
)
def test_bad_options_are_configuration_errors(url, options):
    with pytest.raises(ConfigurationError) as caught:
        PostgresStore(url, **options)
    assert "secret" not in str(caught.value)


def test_importing_the_plugin_does_not_import_the_driver():
    assert modules_imported_by_plugin_loading(["psycopg", "psycopg_pool"]) == []
