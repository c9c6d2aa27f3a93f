"""The whole conformance kit against the example backend: this is all a backend needs."""

from __future__ import annotations

import pytest

from tether_testing import StoreConformance


class TestExampleConformance(StoreConformance):
    @pytest.fixture
    def store_url(self, example_url: str) -> str:
        return example_url
