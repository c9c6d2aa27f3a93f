"""The file store passes the conformance kit."""

from __future__ import annotations

import pytest

from tether_testing import StoreConformance


class TestFileStore(StoreConformance):
    @pytest.fixture
    def store_url(self, tmp_path):
        return (tmp_path / "sessions").as_uri()
