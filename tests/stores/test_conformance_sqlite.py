"""The SQLite store passes the conformance kit."""

from __future__ import annotations

import pytest

from tether_testing import StoreConformance


class TestSQLiteStore(StoreConformance):
    @pytest.fixture
    def store_url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'sessions.db'}"
