"""Resume benchmark: from a new process's start to an agent ready with a long history.

    python bench/bench_resume.py [--runs 15] [--messages 1000] [--backends file,sqlite]

A session with ``--messages`` stored messages (user and assistant turns, every tenth
exchange a tool call with its result) is written once per backend. Children run with
compiled bytecode, as an installed package does (a warm-up run writes it under a temporary
``PYTHONPYCACHEPREFIX``, outside the source tree). Then each run starts a
fresh interpreter that does what a resuming program does::

    from tether import Agent
    agent = Agent("Bench", "...", memory={"session_id": "bench", ...})
    agent.history          # session opened, on_agent_start called, history read

and reports the wall-clock time from just before the process was spawned to that point
("ready", LLM call excluded: none is made), and the CPU time the process used until then
("cpu", interpreter start included), which a busy machine disturbs much less. A second
measure goes on to a first full turn with the in-process ``echo`` model (history read
again, request assembled, turn and run stored): the cost of a turn on a long session
without any network.

Backends: ``file`` (the default store, via ``TETHER_HOME``), ``sqlite``; ``postgres`` and
``redis`` use the local test servers when their plugins are installed. Goal: ready under
300 ms (median). Results go to bench/results/resume-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from _common import median, percentile, table, write_results

GOAL_MS = 300.0
SESSION = "bench"

CHILD = """
import json, sys, time
spawned_ns = int(sys.argv[1])
t0 = time.perf_counter()
from tether import Agent
t_import = time.perf_counter()
agent = Agent("Bench", "You are a helpful assistant.", memory=json.loads(sys.argv[2]))
history = agent.history
t_ready = time.perf_counter()
ready_ns = time.time_ns()
ready_cpu = time.process_time()
assert len(history) == int(sys.argv[3]), len(history)
turn_ns = None
if sys.argv[4] == "turn":
    agent.chat("And what did we say at the start?")
    turn_ns = time.time_ns()
print(json.dumps({
    "ready_ms": (ready_ns - spawned_ns) / 1e6,
    "ready_cpu_ms": ready_cpu * 1000,
    "turn_ms": None if turn_ns is None else (turn_ns - spawned_ns) / 1e6,
    "import_ms": (t_import - t0) * 1000,
    "restore_ms": (t_ready - t_import) * 1000,
}))
"""


def history(count: int) -> list[dict[str, Any]]:
    """``count`` messages of a plausible conversation, tool calls included."""
    messages: list[dict[str, Any]] = []
    n = 0
    while len(messages) < count:
        n += 1
        messages.append({"role": "user", "content": f"Question {n}: " + "tell me more. " * 12})
        if n % 10 == 0 and len(messages) + 3 <= count:
            call = {
                "id": f"call_{n}",
                "type": "function",
                "function": {"name": "lookup", "arguments": json.dumps({"topic": n})},
            }
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
            messages.append({"role": "tool", "content": f"result {n}", "tool_call_id": f"call_{n}"})
        messages.append({"role": "assistant", "content": f"Answer {n}: " + "here it is. " * 20})
    return messages[:count]


def backend_setups(names: list[str], home: Path) -> dict[str, tuple[dict[str, Any], Any]]:
    """For each backend: the ``memory=`` to resume with, and a cleanup function."""
    from tether.stores.registry import store_backends

    installed = store_backends()
    token = uuid.uuid4().hex[:10]
    setups: dict[str, tuple[dict[str, Any], Any]] = {}
    for name in names:
        if name not in installed:
            print(f"skipping {name}: no installed backend of that name", file=sys.stderr)
            continue
        if name == "file":
            setups[name] = ({"session_id": SESSION}, None)
        elif name == "sqlite":
            setups[name] = ({"session_id": SESSION, "db": f"sqlite:///{home / 'b.db'}"}, None)
        elif name == "postgres":
            schema = f"tether_bench_{token}"
            url = f"postgresql://root@127.0.0.1:5432/test?schema={schema}"
            setups[name] = ({"session_id": SESSION, "db": url}, ("postgres", schema))
        elif name == "redis":
            prefix = f"tether-bench:{token}:"
            url = f"redis://127.0.0.1:6379/0?prefix={prefix}"
            setups[name] = ({"session_id": SESSION, "db": url}, ("redis", prefix))
        else:
            print(f"skipping {name}: this benchmark has no URL for it", file=sys.stderr)
    return setups


def cleanup(what: Any) -> None:
    if what is None:
        return
    kind, name = what
    if kind == "postgres":
        import psycopg

        with psycopg.connect("postgresql://root@127.0.0.1:5432/test", autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    else:
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        keys = list(client.scan_iter(match=f"{name}*"))
        if keys:
            client.delete(*keys)
        client.close()


def fill(memory: dict[str, Any], count: int) -> None:
    """Write the session once (in this process)."""
    from tether.config import MemoryConfig

    store, _ = MemoryConfig(**memory).open_store()
    with store:
        if store.session_exists(SESSION):
            store.delete_session(SESSION)
        store.create_session(SESSION)
        messages = history(count)
        for start in range(0, count, 100):
            store.append_messages(SESSION, messages[start : start + 100])


def run_child(memory: dict[str, Any], count: int, turn: bool, env: dict[str, str]) -> dict:
    mode = "turn" if turn else "ready"
    spawned = time.time_ns()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(spawned), json.dumps(memory), str(count), mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if done.returncode:
        raise RuntimeError(f"the resuming process failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def empty_interpreter_ms() -> float:
    """Spawn-to-exit of ``python -c pass``: the floor any new process pays (and the load)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per measure")
    parser.add_argument("--messages", type=int, default=1000, help="stored history length")
    parser.add_argument("--backends", default="file,sqlite", help="comma list of backends")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="tether-bench-resume-") as tmp:
        home = Path(tmp)
        os.environ["TETHER_HOME"] = str(home)
        env = {**os.environ, "TETHER_LLM": "echo", "TETHER_HOME": str(home)}
        # Like an installed package: bytecode compiled once (kept out of the source tree).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
        rows = []
        for name, (memory, what) in backend_setups(args.backends.split(","), home).items():
            try:
                fill(memory, args.messages)
                run_child(memory, args.messages, True, env)  # warm-up: writes the bytecode
                fill(memory, args.messages)
                for turn in (False, True):
                    samples = []
                    for _ in range(args.runs):
                        samples.append(run_child(memory, args.messages, turn, env))
                        if turn:  # the turn added two messages: back to the same history
                            fill(memory, args.messages)
                    key = "turn_ms" if turn else "ready_ms"
                    values = [s[key] for s in samples]
                    rows.append(
                        {
                            "backend": name,
                            "measure": "first turn (echo)" if turn else "ready",
                            "median_ms": median(values),
                            "p90_ms": percentile(values, 90),
                            "min_ms": min(values),
                            "cpu_ms": median([s["ready_cpu_ms"] for s in samples]),
                            "import_ms": median([s["import_ms"] for s in samples]),
                            "restore_ms": median([s["restore_ms"] for s in samples]),
                        }
                    )
            finally:
                cleanup(what)

    columns = [
        ("backend", "backend"),
        ("measure", "measure"),
        ("median_ms", "median ms"),
        ("p90_ms", "p90 ms"),
        ("min_ms", "min ms"),
        ("cpu_ms", "cpu ms"),
        ("import_ms", "import ms"),
        ("restore_ms", "open+read ms"),
    ]
    floor = median([empty_interpreter_ms() for _ in range(args.runs)])
    print(f"resume a {args.messages}-message session in a new process ({args.runs} runs each)")
    print(table(rows, columns))
    print(f"(an empty interpreter, python -c pass, takes {floor:.0f} ms here)")
    misses = 0
    for row in rows:
        if row["measure"] == "ready":
            ok = row["median_ms"] < GOAL_MS
            misses += not ok
            verdict = "ok  " if ok else "MISS"
            print(f"{verdict} {row['backend']}: ready in {row['median_ms']:.0f} ms < {GOAL_MS:.0f}")
    path = write_results(
        "resume",
        {
            "runs": args.runs,
            "messages": args.messages,
            "goal_ms": GOAL_MS,
            "empty_interpreter_ms": floor,
            "rows": rows,
        },
    )
    print(f"results: {path}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
