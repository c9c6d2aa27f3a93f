"""pytest plugin of tether-testing (loaded automatically through the ``pytest11`` entry point).

It provides the ``fake_llm`` fixture (a local OpenAI-compatible server) and enforces the
guard: a kit test skipped without the kit's capability skip, or marked xfail, fails.
"""

from __future__ import annotations

import pytest

from tether_testing.fake_llm import fake_llm  # noqa: F401  (a fixture for every test suite)
from tether_testing.guard import judge_report


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    judge_report(item, outcome.get_result())
