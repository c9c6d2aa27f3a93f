"""Fixtures for the example backend's tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

import tether


def drop_namespace(url: str) -> None:
    """Delete everything under ``url``. A real backend drops its schema, key prefix or
    database here; only public store methods are needed for that in the template."""
    with tether.open_store(url) as store:
        while True:
            page = store.list_sessions(limit=100)
            for info in page.items:
                store.delete_session(info.session_id, user_id=info.user_id)
            if not page.items:
                return


@pytest.fixture
def example_url() -> Iterator[str]:
    """A fresh, isolated example:// namespace, emptied after the test."""
    url = f"example://test-{uuid.uuid4().hex}"
    yield url
    drop_namespace(url)
