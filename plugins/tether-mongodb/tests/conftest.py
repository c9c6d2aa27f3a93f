"""Fixtures: one SecantusDB server for the session, a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from mongo_server import SecantusProcess

OPTIONS = "directConnection=true&serverSelectionTimeoutMS=5000"


@pytest.fixture(scope="session")
def secantus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecantusProcess]:
    """The SecantusDB server the tests share; each test works in its own database."""
    server = SecantusProcess(tmp_path_factory.mktemp("secantus")).start()
    yield server
    server.stop()


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
