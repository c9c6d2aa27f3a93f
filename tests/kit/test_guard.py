"""The kit's guard: kit tests cannot be dropped, overridden or skipped without a capability."""

from __future__ import annotations

import pytest

from tether_testing import StoreConformance

pytest_plugins = ["pytester"]

MEMORY_KIT = """
import uuid
import pytest
from tether_testing import StoreConformance

class TestKit(StoreConformance):
    @pytest.fixture
    def store_url(self):
        return f"memory://guard-{uuid.uuid4().hex}"
"""


def test_overriding_a_kit_test_fails_at_import():
    with pytest.raises(TypeError, match="test_unicode_round_trip"):

        class Sneaky(StoreConformance):
            def test_unicode_round_trip(self, store):
                pass


def test_deleting_a_kit_test_fails_at_import():
    with pytest.raises(TypeError, match="test_ttl_expiry_hides_and_refuses"):

        class Dropper(StoreConformance):
            test_ttl_expiry_hides_and_refuses = None


def test_a_skip_without_capability_is_a_failure(pytester):
    pytester.makeconftest(
        """
import pytest

def pytest_collection_modifyitems(items):
    for item in items:
        if item.name == "test_unicode_round_trip":
            item.add_marker(pytest.mark.skip(reason="flaky on my backend"))
"""
    )
    pytester.makepyfile(test_kit=MEMORY_KIT)
    result = pytester.runpytest(
        "-k", "unicode_round_trip or full_message", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*may only be skipped by declaring the matching capability*"])


def test_an_xfail_is_a_failure(pytester):
    pytester.makeconftest(
        """
import pytest

def pytest_collection_modifyitems(items):
    for item in items:
        if item.name == "test_order_and_indexes":
            item.add_marker(pytest.mark.xfail(reason="nope", run=False))
"""
    )
    pytester.makepyfile(test_kit=MEMORY_KIT)
    result = pytester.runpytest("-k", "order_and_indexes", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*may not be marked xfail*"])


def test_declared_absent_capabilities_are_the_only_skips(pytester):
    pytester.makepyfile(test_kit=MEMORY_KIT)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes["skipped"] == 3
    result.stdout.fnmatch_lines(["*capability declared absent: multi_process*"])
