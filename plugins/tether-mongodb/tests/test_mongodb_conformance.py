"""The whole conformance kit against real SecantusDB servers (sync and async): a single-node
replica set, appending with one ``bulkWrite`` round trip, and a standalone server (where
pymongo does not resend writes), appending with an insert and an update."""

from __future__ import annotations

import pytest

from tether_testing import StoreConformance


class TestMongoDBConformance(StoreConformance):
    @pytest.fixture
    def store_url(self, mongo_url: str) -> str:
        """A fresh database per test (see conftest.py), dropped afterwards."""
        return mongo_url


class TestMongoDBConformanceStandaloneWithoutBulkWrite(StoreConformance):
    @pytest.fixture
    def store_url(self, standalone_url: str) -> str:
        """A fresh database on a standalone server, appends without bulkWrite."""
        return standalone_url + "&bulk_write=false"
