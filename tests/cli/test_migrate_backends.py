"""``tether session migrate`` through each backend and back: file -> backend (twice:
re-running is safe) -> sqlite, and nothing lost or doubled on the way.

Runs for sqlite and for each server plugin that is installed (the ``all`` nox session
installs every one); each gets a namespace of its own, removed afterwards."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.cli.helpers import seed
from tether.stores.registry import store_backends

POSTGRES = os.environ.get("TETHER_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test")
REDIS = os.environ.get("TETHER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _postgres() -> tuple[str, Callable[[], None]]:
    import psycopg

    schema = f"tether_cli_{uuid.uuid4().hex[:12]}"

    def drop() -> None:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    separator = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{separator}schema={schema}", drop


def _redis() -> tuple[str, Callable[[], None]]:
    import redis

    prefix = f"tether-cli-test:{uuid.uuid4().hex}:"

    def drop() -> None:
        client = redis.Redis.from_url(REDIS)
        try:
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()

    return f"{REDIS}?prefix={prefix}", drop


def _sqlite() -> tuple[str, Callable[[], None]]:
    folder = tempfile.mkdtemp(prefix="tether-cli-")
    return f"sqlite:///{folder}/middle.db", lambda: shutil.rmtree(folder)


NAMESPACES = {"sqlite": _sqlite, "postgres": _postgres, "redis": _redis}
INSTALLED = sorted(name for name in NAMESPACES if name in store_backends())


@pytest.fixture(params=INSTALLED)
def backend_url(request) -> Iterator[str]:
    url, drop = NAMESPACES[request.param]()
    yield url
    drop()


def _everything(url: str) -> dict:
    from tether import open_store

    with open_store(url) as store:
        return {
            (info.user_id, info.session_id): store.export_session(
                info.session_id, user_id=info.user_id
            ).model_dump()
            for info in store.list_sessions(limit=1000).items
        }


def test_migrate_through_backend(tether, isolated_home, tmp_path, backend_url):
    seed()
    from tether import open_store

    source = open_store().url
    want = _everything(source)
    for _ in range(2):
        there = tether("session", "migrate", "--to", backend_url, "--json")
        assert there.code == 0, there
        assert '"sessions": 3' in there.out
    assert _everything(backend_url) == want

    back = f"sqlite:///{tmp_path / 'back.db'}"
    result = tether("session", "migrate", "--from", backend_url, "--to", back)
    assert result.code == 0, result
    assert result.out.startswith("Migrated 3 sessions (7 messages, 1 snapshot, 1 run)")
    assert _everything(back) == want


@pytest.fixture(scope="module")
def mongodb_server(tmp_path_factory):
    """A SecantusDB (MongoDB-compatible) server for this module, when the plugin is installed."""
    testing = pytest.importorskip("tether_mongodb.testing", reason="tether-mongodb not installed")
    server = testing.SecantusProcess(tmp_path_factory.mktemp("secantus")).start()
    yield server
    server.stop()


def test_migrate_sqlite_to_postgres_to_mongodb(tether, isolated_home, tmp_path, mongodb_server):
    """The issue's chain: history, state, snapshots, runs and forks survive each hop."""
    if "postgres" not in INSTALLED:
        pytest.skip("tether-postgres not installed")
    sqlite_url = f"sqlite:///{tmp_path / 'start.db'}"
    seed(sqlite_url)
    want = _everything(sqlite_url)
    postgres_url, drop_postgres = _postgres()
    mongodb_url = (
        f"mongodb://{mongodb_server.address}/tether_cli_{uuid.uuid4().hex[:12]}"
        "?directConnection=true"
    )
    try:
        for source, target in ((sqlite_url, postgres_url), (postgres_url, mongodb_url)):
            result = tether("session", "migrate", "--from", source, "--to", target)
            assert result.code == 0, result
            assert result.out.startswith("Migrated 3 sessions")
            assert _everything(target) == want
        from tether import open_store

        with open_store(mongodb_url) as store:
            fork = store.get_session("demo-fork")
            assert (fork.parent_id, fork.fork_index) == ("demo", 1)
            assert [m.content for m in store.get_messages("demo-fork")] == [
                "What is 6 x 7?",
                "only in the fork",
            ]
            assert store.load_state("demo") == {"step": 2, "lang": "en"}
            assert [s.label for s in store.list_snapshots("demo")] == ["answered"]
    finally:
        drop_postgres()
