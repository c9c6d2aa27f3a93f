"""Relative links in the README and the guide's pages point at files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["README.md", "docs/index.md", "docs/stores.md", "docs/plugins.md", "docs/hooks.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"^```.*?^```$|`[^`\n]*`", re.M | re.S)


def relative_links(text: str) -> list[str]:
    """Link targets outside code that are paths, without their #fragment."""
    text = CODE.sub("", text)
    return [
        target.split("#", 1)[0]
        for target in LINK.findall(text)
        if "://" not in target and not target.startswith(("#", "mailto:"))
    ]


def test_relative_links_are_found():
    text = "[a](b.md) [c](https://x/y) [d](#e) [f](../g/h.md#i) `x[1](2)`\n```\ny[0](z)\n```\n"
    assert relative_links(text) == [
        "b.md",
        "../g/h.md",
    ]


@pytest.mark.parametrize("page", PAGES)
def test_links_resolve(page):
    path = ROOT / page
    broken = [
        link
        for link in relative_links(path.read_text(encoding="utf-8"))
        if not (path.parent / link).exists()
    ]
    assert not broken, f"{page} links to missing files: {broken}"
