"""Fixtures and helpers shared by the kit's test mixins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import tether
from tether.stores.base import SessionStore
from tether_testing.guard import SKIP_PREFIX, required_capabilities


def msg(role: str = "user", content: Any = "hello", **fields: Any) -> dict[str, Any]:
    """A message dict for appending."""
    return {"role": role, "content": content, **fields}


def indexes(messages: list[tether.Message]) -> list[int]:
    return [m.index for m in messages]


class KitBase:
    """Fixtures of every kit mixin. Subclasses provide ``store_url``."""

    _tether_kit = True

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError("a StoreConformance subclass must define a store_url fixture")

    @pytest.fixture
    def store(self, store_url: str) -> Iterator[SessionStore]:
        """The store under test, opened from ``store_url`` and closed afterwards."""
        opened = tether.open_store(store_url)
        yield opened
        opened.close()

    @pytest.fixture
    def reopen(self, store_url: str) -> Iterator[Any]:
        """Open further independent stores on the same URL (closed afterwards)."""
        opened: list[SessionStore] = []

        def open_again() -> SessionStore:
            opened.append(tether.open_store(store_url))
            return opened[-1]

        yield open_again
        for extra in opened:
            extra.close()

    @pytest.fixture(autouse=True)
    def _capability_gate(self, request: pytest.FixtureRequest, store: SessionStore) -> None:
        missing = set(required_capabilities(request.function)) & store.capabilities.absent()
        if missing:
            pytest.skip(SKIP_PREFIX + ", ".join(sorted(missing)))
