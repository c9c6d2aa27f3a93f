"""The SQLite store's own behaviour: URLs and options, schema versions, migrations,
damaged files, connections across threads, and closing."""

from __future__ import annotations

import sqlite3
import threading

import pytest

import tether
from tether.errors import (
    ConfigurationError,
    CorruptDataError,
    SchemaVersionError,
    StoreError,
)
from tether.stores.registry import tether_home
from tether.stores.sqlite import SQLiteStore, schema


def msg(content="hello"):
    return {"role": "user", "content": content}


def version_of(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT version FROM schema_version").fetchall()


def test_url_forms(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = SQLiteStore("sqlite:///rel/x.db")
    assert relative.path.resolve() == tmp_path / "rel" / "x.db"
    absolute = SQLiteStore(f"sqlite:///{tmp_path / 'abs.db'}")
    assert absolute.path == tmp_path / "abs.db"
    assert str(tmp_path / "abs.db").startswith("/")  # so the URL above had four slashes
    default = tether.open_store(backend="sqlite")
    assert default.path == (tether_home() / "sessions.db").resolve()
    for store in (relative, absolute, default):
        store.create_session("s")
        assert store.path.is_file()
        store.close()


@pytest.mark.parametrize(
    "url", ["sqlite://host/x.db", "sqlite://:memory:", "sqlite:///", "sqlite:///x.db?colour=red"]
)
def test_bad_urls_are_configuration_errors(tmp_path, monkeypatch, url):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError):
        SQLiteStore(url)


def test_options(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    store = SQLiteStore(url + "?busy_timeout=2.5&fsync=1")
    assert (store.busy_timeout, store.fsync) == (2.5, True)
    assert store._db.connection().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store._db.connection().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    store = SQLiteStore(url, busy_timeout=1)
    assert (store.busy_timeout, store.fsync) == (1.0, False)
    assert store._db.connection().execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    store.close()
    with pytest.raises(ConfigurationError):
        SQLiteStore(url, colour="red")


def test_migrates_an_empty_file(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    store = SQLiteStore(f"sqlite:///{path}")
    store.create_session("s")
    store.append_message("s", msg())
    assert version_of(path) == [(schema.latest_version(),)]
    store.close()


def test_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "x.db"
    SQLiteStore(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    before = path.read_bytes()
    with pytest.raises(SchemaVersionError, match="upgrade tether"):
        SQLiteStore(f"sqlite:///{path}")
    assert version_of(path) == [(99,)]
    assert path.read_bytes() == before


def test_a_new_migration_is_one_more_string(tmp_path, monkeypatch):
    path = tmp_path / "x.db"
    store = SQLiteStore(f"sqlite:///{path}")
    store.create_session("s")
    store.close()
    monkeypatch.setattr(
        schema, "MIGRATIONS", (*schema.MIGRATIONS, "ALTER TABLE sessions ADD COLUMN tag TEXT")
    )
    store = SQLiteStore(f"sqlite:///{path}")
    assert store.session_exists("s")
    assert version_of(path) == [(len(schema.MIGRATIONS),)]
    columns = [row[1] for row in store._db.connection().execute("PRAGMA table_info(sessions)")]
    assert "tag" in columns
    store.close()


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(CorruptDataError, match=r"notes\.db"):
        SQLiteStore(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_a_damaged_message_row_names_the_file(tmp_path):
    path = tmp_path / "x.db"
    store = SQLiteStore(f"sqlite:///{path}")
    store.create_session("s")
    store.append_message("s", msg())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE messages SET body = '{not json'")
    with pytest.raises(CorruptDataError, match=r"x\.db"):
        store.get_messages("s")
    store.close()


def test_close_is_idempotent_and_final(sqlite_url):
    store = SQLiteStore(sqlite_url)
    store.create_session("s")
    worker = threading.Thread(target=lambda: store.append_message("s", msg()))
    worker.start()
    worker.join()
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get_session("s")
    again = SQLiteStore(sqlite_url)
    assert again.count_messages("s") == 1
    again.close()


def test_ids_are_bound_not_spliced(sqlite_url):
    store = SQLiteStore(sqlite_url)
    hostile = "x'); DELETE FROM sessions; --"
    store.create_session("keep")
    store.create_session(hostile, user_id=hostile)
    store.append_message(hostile, msg(hostile), user_id=hostile)
    assert store.get_messages(hostile, user_id=hostile)[0].content == hostile
    assert store.session_exists("keep")
    store.close()
