"""Checking that loading a plugin stays cheap: no driver import until a store is opened."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, sys
import tether
from tether.stores.registry import store_backends
from tether.cli.app import build_cli
store_backends(tether.get_plugin_manager())
build_cli()
wanted = json.loads(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in wanted or m in wanted)))
"""


def modules_imported_by_plugin_loading(modules: list[str]) -> list[str]:
    """Which of ``modules`` (top-level packages or exact module names) a fresh interpreter has
    imported after discovering every installed plugin and building the ``tether`` CLI.

    A plugin test asserts this is empty for its driver and its store module.
    """
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(modules)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)
