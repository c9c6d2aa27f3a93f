"""Fixtures: one SecantusDB server for the session, a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from pymongo import monitoring

from tether_mongodb.testing import SecantusProcess

OPTIONS = "directConnection=true&serverSelectionTimeoutMS=5000"


@pytest.fixture(scope="session")
def secantus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecantusProcess]:
    """The SecantusDB server the tests share; each test works in its own database."""
    server = SecantusProcess(tmp_path_factory.mktemp("secantus")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecantusProcess]:
    """A SecantusDB server that is not a replica set member (no retryable writes)."""
    server = SecantusProcess(tmp_path_factory.mktemp("standalone"), mode="standalone").start()
    yield server
    server.stop()


@pytest.fixture
def standalone_url(standalone: SecantusProcess, database_name: str) -> Iterator[str]:
    """A fresh database on the standalone server, dropped after the test."""
    from pymongo import MongoClient

    yield f"mongodb://{standalone.address}/{database_name}?{OPTIONS}"
    with MongoClient(f"mongodb://{standalone.address}/?{OPTIONS}") as client:
        client.drop_database(database_name)


@pytest.fixture(scope="session")
def admin(secantus: SecantusProcess) -> Iterator[object]:
    """A plain pymongo client on the shared server, for setup and cleanup."""
    from pymongo import MongoClient

    client: MongoClient = MongoClient(f"mongodb://{secantus.address}/?{OPTIONS}")
    yield client
    client.close()


@pytest.fixture
def database_name() -> str:
    return f"tether_test_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def mongo_url(secantus: SecantusProcess, admin, database_name: str) -> Iterator[str]:
    """The URL of a fresh database (a store namespace), dropped after the test."""
    yield f"mongodb://{secantus.address}/{database_name}?{OPTIONS}"
    admin.drop_database(database_name)


class CommandLog(monitoring.CommandListener):
    """A pymongo command listener recording what a store sends: pass it as
    ``event_listeners=[log]`` to ``tether.open_store``."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, dict]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append((event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def named(self, name: str) -> list[dict]:
        return [command for command_name, command in self.commands if command_name == name]


@pytest.fixture
def command_log() -> CommandLog:
    return CommandLog()
