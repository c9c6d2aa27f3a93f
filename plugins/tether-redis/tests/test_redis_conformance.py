"""The whole conformance kit, sync and async, against a real Redis server."""

from __future__ import annotations

import pytest

from tether_testing import StoreConformance


class TestRedisConformance(StoreConformance):
    @pytest.fixture
    def store_url(self, redis_url: str) -> str:
        return redis_url
