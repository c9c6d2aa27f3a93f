"""The backend page's examples run against the test server, and its links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "backends" / "redis.md"
README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.M | re.S)
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")

pytestmark = pytest.mark.skipif(not PAGE.is_file(), reason="run from the repository")


def test_page_examples_run(redis_prefix):
    code = "\n".join(FENCE.findall(PAGE.read_text(encoding="utf-8")))
    assert "myapp:" in code
    code = code.replace("redis://localhost:6379/0", "redis://127.0.0.1:6379/0")
    namespace: dict = {}
    exec(compile(code.replace("myapp:", redis_prefix), str(PAGE), "exec"), namespace)
    namespace["store"].close()


@pytest.mark.parametrize("page", [PAGE, README], ids=["docs", "readme"])
def test_links_resolve(page):
    text = re.sub(r"^```.*?^```$", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    links = [link for link in LINK.findall(text) if "://" not in link]
    assert links, "the page should link somewhere"
    assert [link for link in links if not (page.parent / link).exists()] == []
