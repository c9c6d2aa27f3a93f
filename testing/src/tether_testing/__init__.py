"""tether-testing: the conformance kit for tether session store backends.

A backend's test module subclasses :class:`StoreConformance` and provides a ``store_url``
fixture returning the URL of a clean, isolated namespace::

    import pytest
    from tether_testing import StoreConformance

    class TestMyBackend(StoreConformance):
        @pytest.fixture
        def store_url(self, tmp_path):
            yield f"mybackend://{tmp_path}"

The kit runs every test whose capability the backend declares. A subclass that removes or
overrides a kit test fails at import, and a kit test skipped for any reason other than a
capability the store declares absent is reported as a failure.
"""

from tether_testing.conformance import StoreConformance
from tether_testing.guard import CapabilitySkip, requires

__all__ = ["CapabilitySkip", "StoreConformance", "requires"]
