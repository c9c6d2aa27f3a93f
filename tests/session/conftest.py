"""Fixtures for the session tests."""

from tether_testing.fake_llm import fake_llm  # noqa: F401  (the fixture)
