"""``import tether`` stays light: no database driver or LLM client is imported by it, nor by
loading every installed plugin. The check is bench/bench_import.py's, which also measures how
long the import takes (timing is not asserted in tests)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def bench_import(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(BENCH))
        spec = importlib.util.spec_from_file_location("bench_import", BENCH / "bench_import.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "code", ["import tether", "import tether.stores", "LOAD_PLUGINS"], ids=lambda c: c
)
def test_no_driver_is_imported(bench_import, code):
    # LOAD_PLUGINS imports every installed plugin's hook module: a plugin importing its
    # driver at module level shows up here.
    code = bench_import.LOAD_PLUGINS if code == "LOAD_PLUGINS" else code
    assert bench_import.loaded_drivers(code) == []


def test_the_probe_sees_a_driver_when_one_is_imported(bench_import):
    # Guards the test above against passing vacuously.
    assert bench_import.loaded_drivers("import tether, sqlite3") == ["sqlite3"]
