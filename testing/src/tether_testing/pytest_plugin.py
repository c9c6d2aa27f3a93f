"""pytest plugin of tether-testing (loaded automatically through the ``pytest11`` entry point).

It enforces the guard: a kit test that is skipped without the kit's capability skip, or
marked xfail, is reported as failed.
"""

from __future__ import annotations

import pytest

from tether_testing.guard import judge_report


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    judge_report(item, outcome.get_result())
