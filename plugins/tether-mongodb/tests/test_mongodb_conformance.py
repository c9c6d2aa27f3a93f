"""The whole conformance kit against a real SecantusDB server (sync and async)."""

from __future__ import annotations

import pytest

from tether_testing import StoreConformance


class TestMongoDBConformance(StoreConformance):
    @pytest.fixture
    def store_url(self, mongo_url: str) -> str:
        """A fresh database per test (see conftest.py), dropped afterwards."""
        return mongo_url
