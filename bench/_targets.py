"""What the store benchmark measures: one target per backend configuration.

A target opens an isolated namespace (a temp folder, a PostgreSQL schema, a Redis key
prefix, a MongoDB database on a SecantusDB server started here), hands its store URL to the
benchmark, offers a raw-driver baseline doing the same single write with the bare driver, and
removes everything afterwards. Targets whose plugin is not installed or whose server does not
answer are reported as skipped, with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POSTGRES_URL = os.environ.get("TETHER_BENCH_POSTGRES", "postgresql://root@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TETHER_BENCH_REDIS", "redis://127.0.0.1:6379/0")

RawAppend = Callable[[str], None]
"""Writes one message body (a JSON string) with the bare driver."""


@dataclass
class Namespace:
    """An isolated place to benchmark in: the tether URL and a raw baseline."""

    url: str
    raw: Callable[[], contextlib.AbstractContextManager[RawAppend]] | None = None
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Target:
    name: str
    backend: str
    open: Callable[[], contextlib.AbstractContextManager[Namespace]]
    baseline: str = ""
    """What the raw baseline does, in words."""


def unique(prefix: str = "bench") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


# --- in-process and local files -------------------------------------------------------


@contextlib.contextmanager
def memory_namespace() -> Iterator[Namespace]:
    @contextlib.contextmanager
    def raw() -> Iterator[RawAppend]:
        rows: list[str] = []
        yield rows.append

    yield Namespace(f"memory://{unique()}", raw)


def local_target(
    kind: str, fsync: bool, url_of: Callable[[Path], str], raw_of: Callable[..., Any]
) -> Callable[[], contextlib.AbstractContextManager[Namespace]]:
    """A target in a scratch folder: ``url_of(folder)`` is the store URL (``?fsync=1``
    added when ``fsync``), ``raw_of(folder, fsync)`` the raw baseline's context manager."""

    @contextlib.contextmanager
    def opened() -> Iterator[Namespace]:
        root = Path(tempfile.mkdtemp(prefix=f"tether-bench-{kind}-"))
        try:
            url = url_of(root) + ("?fsync=1" if fsync else "")
            yield Namespace(url, lambda: raw_of(root, fsync))
        finally:
            shutil.rmtree(root, ignore_errors=True)

    return opened


@contextlib.contextmanager
def raw_file(root: Path, fsync: bool) -> Iterator[RawAppend]:
    """A JSON line appended and flushed (and fsynced) per message."""
    with open(root / "raw.jsonl", "a", encoding="utf-8") as fh:

        def append(body: str) -> None:
            fh.write(body + "\n")
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())

        yield append


@contextlib.contextmanager
def raw_sqlite(root: Path, fsync: bool) -> Iterator[RawAppend]:
    """One autocommit INSERT per message, WAL, the same synchronous setting as the store."""
    import sqlite3

    conn = sqlite3.connect(root / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={'FULL' if fsync else 'NORMAL'}")
    conn.execute(
        "CREATE TABLE m (session TEXT, idx INTEGER, body TEXT, PRIMARY KEY (session, idx))"
    )
    counter = iter(range(10**9))
    try:
        yield lambda body: conn.execute(
            "INSERT INTO m VALUES (?, ?, ?)", ("raw", next(counter), body)
        )
    finally:
        conn.close()


def file_url(root: Path) -> str:
    return (root / "store").as_uri()


def sqlite_url(root: Path) -> str:
    return f"sqlite:///{root / 'store.db'}"


# --- servers ----------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_namespace() -> Iterator[Namespace]:
    import psycopg
    from psycopg import sql

    schema = unique()
    admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)

    @contextlib.contextmanager
    def raw() -> Iterator[RawAppend]:
        raw_schema = sql.Identifier(schema + "_raw")
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(raw_schema))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {}.m (session text, idx bigint, body jsonb, "
                    "PRIMARY KEY (session, idx))"
                ).format(raw_schema)
            )
            insert = sql.SQL("INSERT INTO {}.m VALUES (%s, %s, %s)").format(raw_schema)
            counter = iter(range(10**9))
            try:
                yield lambda body: conn.execute(insert, ("raw", next(counter), body))
            finally:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(raw_schema))

    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield Namespace(f"{POSTGRES_URL}{sep}schema={schema}", raw)
    finally:
        admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        admin.close()


@contextlib.contextmanager
def redis_namespace() -> Iterator[Namespace]:
    import redis

    prefix = unique() + ":"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    client.ping()

    @contextlib.contextmanager
    def raw() -> Iterator[RawAppend]:
        key = prefix + "raw"
        yield lambda body: client.rpush(key, body)

    sep = "&" if "?" in REDIS_URL else "?"
    try:
        yield Namespace(f"{REDIS_URL}{sep}prefix={prefix}", raw)
    finally:
        for key in client.scan_iter(match=prefix + "*", count=1000):
            client.delete(key)
        client.close()


SECANTUS = """
import sys
from secantus import SecantusDBServer
server = SecantusDBServer(port=0, storage_path=sys.argv[1])
server.start()
print(server.port, flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def secantus_server() -> Iterator[str]:
    """A SecantusDB server in its own process (so it does not share our GIL); its host:port."""
    storage = tempfile.mkdtemp(prefix="tether-bench-secantus-")
    proc = subprocess.Popen(
        [sys.executable, "-c", SECANTUS, storage],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = proc.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError("SecantusDB did not start")
        yield f"127.0.0.1:{port}"
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(storage, ignore_errors=True)


@contextlib.contextmanager
def mongodb_namespace() -> Iterator[Namespace]:
    import pymongo

    database = unique()
    with secantus_server() as address:
        server_url = f"mongodb://{address}/?directConnection=true"
        client = pymongo.MongoClient(server_url, serverSelectionTimeoutMS=5000)

        @contextlib.contextmanager
        def raw() -> Iterator[RawAppend]:
            collection = client[database + "_raw"]["m"]
            collection.create_index([("session", 1), ("idx", 1)], unique=True)
            counter = iter(range(10**9))
            try:
                yield lambda body: collection.insert_one(
                    {"session": "raw", "idx": next(counter), "body": body}
                )
            finally:
                client.drop_database(database + "_raw")

        try:
            url = f"mongodb://{address}/{database}?directConnection=true"
            yield Namespace(url, raw, {"server": "SecantusDB (started by the bench)"})
        finally:
            client.drop_database(database)
            client.close()


TARGETS = [
    Target("memory", "memory", memory_namespace, "list.append"),
    Target("file", "file", local_target("file", False, file_url, raw_file), "JSON line + flush"),
    Target(
        "file-fsync",
        "file",
        local_target("file", True, file_url, raw_file),
        "JSON line + flush + fsync",
    ),
    Target(
        "sqlite",
        "sqlite",
        local_target("sqlite", False, sqlite_url, raw_sqlite),
        "sqlite3 INSERT, WAL, synchronous=NORMAL",
    ),
    Target(
        "sqlite-fsync",
        "sqlite",
        local_target("sqlite", True, sqlite_url, raw_sqlite),
        "sqlite3 INSERT, WAL, synchronous=FULL",
    ),
    Target("postgres", "postgres", postgres_namespace, "psycopg parameterised INSERT, autocommit"),
    Target("redis", "redis", redis_namespace, "redis-py RPUSH"),
    Target("mongodb", "mongodb", mongodb_namespace, "pymongo insert_one"),
]
