"""The README and the guide's pages: their examples run and their links resolve.

The fenced ```python examples run top to bottom, one namespace per page. A block fenced as
```python norun is shown but not run (say why next to it). A block fenced as ```python norun
file=PATH quotes that file of the repository, and must match it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["README.md", "docs/index.md", "docs/stores.md", "docs/plugins.md", "docs/hooks.md"]
FENCE = re.compile(r"^```python([^\n]*)\n(.*?)^```$", re.M | re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"^```.*?^```$|`[^`\n]*`", re.M | re.S)


def python_blocks(text: str) -> list[tuple[int, list[str], str]]:
    """(first line number, words after ```python, code) of each python block."""
    return [
        (text.count("\n", 0, m.start(2)) + 1, m.group(1).split(), m.group(2))
        for m in FENCE.finditer(text)
    ]


def quoted_file(words: list[str]) -> str | None:
    return next((w.removeprefix("file=") for w in words if w.startswith("file=")), None)


def test_the_fence_parser_finds_blocks_and_their_lines():
    text = "intro\n```python\nx = 1\n```\n```python norun file=a.py\nboom()\n```\n"
    text += "```bash\nls\n```\n"
    assert python_blocks(text) == [(3, [], "x = 1\n"), (6, ["norun", "file=a.py"], "boom()\n")]


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page, tmp_path, monkeypatch):
    blocks = python_blocks((ROOT / page).read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)  # relative paths in examples land in a scratch folder
    namespace: dict = {"__name__": f"docs_{Path(page).stem}"}
    for first_line, words, code in blocks:
        if "norun" in words:
            continue
        # Pad so that a traceback names the line of the page.
        exec(compile("\n" * (first_line - 1) + code, str(ROOT / page), "exec"), namespace)


@pytest.mark.parametrize("page", PAGES)
def test_quoted_code_matches_its_file(page):
    for line, words, code in python_blocks((ROOT / page).read_text(encoding="utf-8")):
        path = quoted_file(words)
        if path is not None:
            source = (ROOT / path).read_text(encoding="utf-8")
            assert code in source, f"{page}:{line}: the block no longer matches {path}"


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
