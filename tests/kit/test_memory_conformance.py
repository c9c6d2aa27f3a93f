"""The in-process memory store passes the conformance kit."""

from __future__ import annotations

import uuid

import pytest

from tether_testing import StoreConformance


class TestMemoryStore(StoreConformance):
    @pytest.fixture
    def store_url(self):
        return f"memory://kit-{uuid.uuid4().hex}"
