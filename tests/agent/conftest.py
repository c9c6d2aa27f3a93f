"""Fixtures for the agent tests: the fake OpenAI server and instrumented real stores."""

from __future__ import annotations

import pytest

from tether.errors import StoreError
from tether.stores.memory import MemoryStore
from tether_testing.fake_llm import fake_llm  # noqa: F401  (the fixture)


class RecordingStore(MemoryStore):
    """The in-process store, recording the size of every append batch."""

    def __init__(self, url: str = "memory://") -> None:
        super().__init__(url)
        self.appends: list[int] = []

    def _append_messages(self, key, messages):
        self.appends.append(len(messages))
        return super()._append_messages(key, messages)


class FailingAppendStore(MemoryStore):
    """The in-process store whose appends fail (as a full disk or a dropped connection)."""

    def _append_messages(self, key, messages):
        raise StoreError("disk full")


@pytest.fixture
def recording_store():
    return RecordingStore()


@pytest.fixture
def failing_store():
    return FailingAppendStore("memory://")
