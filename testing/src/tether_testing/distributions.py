"""Throwaway plugin distributions for tests of plugin discovery.

:func:`install_fake_distribution` writes a real, metadata-discoverable distribution (a module
plus a ``*.dist-info`` folder with an entry point in group ``tether``) into a folder that the
test puts on ``sys.path``, so discovery runs through ``importlib.metadata`` exactly as for a
pip-installed plugin.
"""

from __future__ import annotations

import textwrap
from pathlib import Path


def install_fake_distribution(
    root: Path, dist: str, entry_name: str, module: str, body: str, version: str = "1.2.3"
) -> None:
    """Write module ``module`` with ``body`` and a distribution ``dist`` whose ``tether``
    entry point ``entry_name`` points at it."""
    (root / f"{module}.py").write_text(textwrap.dedent(body))
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[tether]\n{entry_name} = {module}\n")
