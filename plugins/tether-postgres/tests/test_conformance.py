"""The tether conformance kit against PostgreSQL (sync, multi-process and async)."""

from __future__ import annotations

import pytest

from tether_testing import StoreConformance


class TestPostgresConformance(StoreConformance):
    """Every kit test, each in a fresh schema that is dropped afterwards."""

    @pytest.fixture
    def store_url(self, pg_url: str) -> str:
        return pg_url
