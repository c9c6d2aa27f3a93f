"""Fixtures for the LLM tests: the fake OpenAI-compatible server and a clean environment."""

from __future__ import annotations

import pytest

from tether.plugins import reset_plugin_manager
from tether_testing.fake_llm import fake_llm  # noqa: F401  (the fixture)

LLM_ENV = (
    "TETHER_LLM",
    "TETHER_MODEL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_AD_TOKEN",
    "OPENAI_API_VERSION",
    "OLLAMA_BASE_URL",
    "OLLAMA_API_KEY",
)


@pytest.fixture(autouse=True)
def no_llm_configured(monkeypatch):
    """Each test starts with no model configured by the environment."""
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fresh_plugins():
    """A process-wide plugin manager built for this test, forgotten afterwards."""
    reset_plugin_manager()
    from tether.plugins import plugin_manager

    yield plugin_manager()
    reset_plugin_manager()
