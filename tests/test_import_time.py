"""``import tether`` stays light: no database driver or LLM client is imported by it, nor by
loading every installed plugin. (How long the import takes is measured in
bench/bench_import.py, not asserted here.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

DRIVERS = (
    "psycopg",
    "psycopg_pool",
    "redis",
    "pymongo",
    "bson",
    "motor",
    "openai",
    "httpx",
    "sqlite3",
    "secantus",
    "chromadb",
)
"""Modules only a store factory, a store or an LLM provider may import, when it is used."""


def loaded_drivers(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; the driver modules it left in sys.modules."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    return sorted({m.split(".")[0] for m in modules} & set(DRIVERS))


@pytest.mark.parametrize(
    "code",
    [
        "import tether",
        "import tether.stores",
        # Every installed plugin module is imported here, so a plugin importing its driver at
        # module level shows up.
        "import tether\n"
        "from tether.stores.registry import store_backends\n"
        "from tether.plugins import describe_plugins\n"
        "store_backends(tether.get_plugin_manager())\n"
        "describe_plugins()",
    ],
    ids=["import-tether", "import-tether.stores", "load-all-plugins"],
)
def test_no_driver_is_imported(code):
    assert loaded_drivers(code) == []


def test_the_probe_sees_a_driver_when_one_is_imported():
    # Guards the test above against passing vacuously.
    assert loaded_drivers("import tether, sqlite3") == ["sqlite3"]
