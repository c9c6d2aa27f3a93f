"""Every hook specification is documented in docs/hooks.md, with each of its parameters and
an example, and the page documents no hook that does not exist."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from tether import hookspecs

PAGE = Path(__file__).resolve().parents[2] / "docs" / "hooks.md"


def hook_specs() -> dict[str, inspect.Signature]:
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: inspect.signature(fn)
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, marker)
    }


def documented_sections() -> dict[str, str]:
    """Section title -> section text, for each ``## name`` heading of the page."""
    parts = re.split(r"^## +(\S+) *$", PAGE.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


SPECS = hook_specs()


def test_specs_are_found():
    assert {"register_session_stores", "on_agent_start"} <= set(SPECS)


@pytest.mark.parametrize("hook", sorted(SPECS))
def test_hook_is_documented(hook):
    sections = documented_sections()
    assert hook in sections, f"docs/hooks.md has no '## {hook}' section"
    text = sections[hook]
    assert f"`{hook}(" in text, f"docs/hooks.md: {hook}'s section does not show its signature"
    for param in SPECS[hook].parameters:
        assert f"`{param}" in text, f"docs/hooks.md: {hook}'s parameter {param!r} is undocumented"
    for part in ("**Parameters**", "**Returns**", "**When**"):
        assert part in text, f"docs/hooks.md: {hook}'s section lacks {part}"


def test_every_hook_has_an_example():
    sections = documented_sections()
    for hook in SPECS:
        example_here = "```python" in sections.get(hook, "")
        assert example_here or hook.startswith("on_"), f"docs/hooks.md: {hook} has no example"
    on_hooks = "".join(sections.get(h, "") for h in SPECS if h.startswith("on_"))
    for hook in (h for h in SPECS if h.startswith("on_")):
        assert f"def {hook}(" in on_hooks, f"docs/hooks.md: no example implements {hook}"


def test_page_documents_only_real_hooks():
    stale = [name for name in documented_sections() if name not in SPECS]
    assert not stale, f"docs/hooks.md documents hooks that do not exist: {stale}"
