"""Import benchmark: how long ``python -c "import tether"`` takes, and which heavy modules
``import tether`` (and loading every installed plugin) leaves in ``sys.modules``.

    python bench/bench_import.py [--runs 15]

Each measurement is a fresh interpreter. The table shows medians: the whole process
(``python -c "import tether"``), an empty interpreter (``python -c pass``) for comparison, and
the import alone timed inside the process. Goal: the whole process under 150 ms, and no
driver imported. Results go to bench/results/import-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from _common import median, table, write_results

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

LOAD_PLUGINS = (
    "import tether\n"
    "from tether.stores.registry import store_backends\n"
    "from tether.plugins import describe_plugins\n"
    "store_backends(tether.get_plugin_manager())\n"
    "describe_plugins()"
)
"""Builds the plugin manager: every installed plugin's hook module is imported."""

GOAL_MS = 150.0


def loaded_drivers(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; the driver packages it left in sys.modules."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    return sorted({m.split(".")[0] for m in modules} & set(DRIVERS))


def process_ms(code: str) -> float:
    """Wall time of ``python -c code`` in milliseconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return (time.perf_counter() - start) * 1000


def in_process_ms(code: str) -> float:
    """Time of ``code`` measured inside a fresh interpreter, in milliseconds."""
    timed = f"import time\nt = time.perf_counter()\n{code}\nprint((time.perf_counter() - t) * 1000)"
    out = subprocess.run([sys.executable, "-c", timed], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"python -c {code!r} failed:\n{out.stderr}")
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per measure")
    args = parser.parse_args(argv)

    measures = {
        "python -c pass": lambda: process_ms("pass"),
        'python -c "import tether"': lambda: process_ms("import tether"),
        "import tether (in process)": lambda: in_process_ms("import tether"),
        "import tether + load plugins (in process)": lambda: in_process_ms(LOAD_PLUGINS),
    }
    rows = []
    for name, measure in measures.items():
        samples = [measure() for _ in range(args.runs)]
        rows.append({"measure": name, "median_ms": median(samples), "min_ms": min(samples)})
    drivers = {
        "import tether": loaded_drivers("import tether"),
        "load plugins": loaded_drivers(LOAD_PLUGINS),
    }

    print(table(rows, [("measure", "measure"), ("median_ms", "median ms"), ("min_ms", "min ms")]))
    whole = rows[1]["median_ms"]
    print(f"{'ok  ' if whole < GOAL_MS else 'MISS'} import: {whole:.0f} ms < {GOAL_MS:.0f} ms")
    for when, found in drivers.items():
        print(f"{'MISS' if found else 'ok  '} drivers after {when}: {', '.join(found) or 'none'}")
    path = write_results("import", {"runs": args.runs, "measures": rows, "drivers": drivers})
    print(f"results: {path}")
    return 1 if any(drivers.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
