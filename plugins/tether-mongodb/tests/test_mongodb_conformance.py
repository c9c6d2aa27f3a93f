"""The whole conformance kit against real SecantusDB servers (sync and async): a single-node
replica set (appends and rewinds in transactions) and a standalone server (no transactions)."""

from __future__ import annotations

import pytest

from tether_testing import StoreConformance


class TestMongoDBConformance(StoreConformance):
    @pytest.fixture
    def store_url(self, mongo_url: str) -> str:
        """A fresh database per test (see conftest.py), dropped afterwards."""
        return mongo_url


class TestMongoDBConformanceWithoutTransactions(StoreConformance):
    @pytest.fixture
    def store_url(self, standalone_url: str) -> str:
        """A fresh database on a server without transactions, dropped afterwards."""
        return standalone_url
