"""The examples of docs/agents.md and docs/sessions.md run, as written, against the fake
OpenAI server (one namespace per page, top to bottom; ```python norun blocks are shown only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_doc_pages import python_blocks, relative_links

from tether_testing.fake_llm import fake_llm  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["docs/agents.md", "docs/sessions.md"]


@pytest.mark.parametrize("page", PAGES)
def test_examples_run(page, fake_llm, tmp_path, monkeypatch):  # noqa: F811
    blocks = python_blocks((ROOT / page).read_text(encoding="utf-8"))
    assert blocks, f"{page} has no python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{Path(page).stem}"}
    for first_line, words, code in blocks:
        if "norun" in words:
            continue
        exec(compile("\n" * (first_line - 1) + code, str(ROOT / page), "exec"), namespace)
    assert fake_llm.chat_requests, f"{page}'s examples never reached the model"


@pytest.mark.parametrize("page", PAGES)
def test_norun_blocks_still_compile(page):
    for first_line, words, code in python_blocks((ROOT / page).read_text(encoding="utf-8")):
        if "norun" in words:
            compile("\n" * (first_line - 1) + code, str(ROOT / page), "exec")


@pytest.mark.parametrize("page", PAGES)
def test_links_resolve(page):
    path = ROOT / page
    links = relative_links(path.read_text(encoding="utf-8"))
    assert [link for link in links if not (path.parent / link).exists()] == []
