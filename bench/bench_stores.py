"""Store benchmark: single appends, last-50 reads and whole-history reads at several history
sizes, for every backend that is installed and reachable, against a raw-driver baseline.

    python bench/bench_stores.py                      # sizes 1k, 10k, 100k
    python bench/bench_stores.py --sizes 1000,10000   # quicker
    python bench/bench_stores.py --targets file,sqlite --runs 5

For each target and size N: a session is filled to N messages with batched appends, then
``--runs`` rounds each time ``--ops`` single appends and ``--ops`` reads of the last 50
messages, and one read of the whole history. A round's median is one sample; the table shows
the median of the rounds. The raw baseline does the same single write with the bare driver
(same message body), timed in each round just before tether's appends, and ``ratio`` is
tether's append over the raw one. Results go to bench/results/stores-<time>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import Any

from _common import median, percentile, table, time_each, write_results
from _targets import TARGETS, RawAppend, Target

import tether
from tether.codec import dump_message
from tether.models import Message
from tether.stores.registry import store_backends

TEXT = (
    "The quick brown fox jumps over the lazy dog while the agent keeps the whole "
    "conversation, its tool calls and their results in a durable session store. "
)

TARGETS_MS = {"append": 0.2, "last50": 2.0, "growth": 1.5}
"""Goals for the file and sqlite stores: median append <= 0.2 ms, the largest size's append
within 1.5x of the smallest's, last-50 read <= 2 ms at the largest size."""


def message(i: int) -> dict[str, Any]:
    role = "user" if i % 2 == 0 else "assistant"
    return {"role": role, "content": f"{i}: {TEXT}", "metadata": {"turn": i // 2}}


def fill(store: tether.SessionStore, session_id: str, count: int, batch: int) -> float:
    """Append ``count`` messages in batches; returns messages per second."""
    start = time.perf_counter()
    for lo in range(0, count, batch):
        store.append_messages(session_id, [message(i) for i in range(lo, min(count, lo + batch))])
    return count / max(time.perf_counter() - start, 1e-9)


def measure_size(
    store: tether.SessionStore, size: int, raw: RawAppend | None, args: argparse.Namespace
) -> dict:
    """One history size. Each round times the raw baseline right before tether's appends, so
    both see the same moment of a shared machine (disk flushes vary a lot over time)."""
    session_id = f"size-{size}"
    store.create_session(session_id)
    fill_rate = fill(store, session_id, size, args.batch)
    body = dump_message(Message.model_validate(message(0)))
    append_rounds, raw_rounds, last50_rounds, full_reads, p90s = [], [], [], [], []
    for run in range(args.runs):
        if raw is not None:
            raw_rounds.append(median(time_each(lambda _: raw(body), args.ops)))
        new = [message(size + run * args.ops + i) for i in range(args.ops)]
        samples = time_each(lambda i, new=new: store.append_message(session_id, new[i]), args.ops)
        append_rounds.append(median(samples))
        p90s.append(percentile(samples, 90))
        samples = time_each(lambda _: store.get_messages(session_id, last=50), args.ops)
        last50_rounds.append(median(samples))
        full_reads.extend(time_each(lambda _: store.get_messages(session_id), 1))
    append_ms = median(append_rounds)
    raw_ms = median(raw_rounds) if raw_rounds else None
    return {
        "size": size,
        "fill_msgs_per_s": fill_rate,
        "append_ms": append_ms,
        "append_p90_ms": median(p90s),
        "raw_append_ms": raw_ms,
        "ratio": append_ms / raw_ms if raw_ms else None,
        "last50_ms": median(last50_rounds),
        "full_read_ms": median(full_reads),
        "rounds": {
            "append_ms": append_rounds,
            "raw_append_ms": raw_rounds,
            "last50_ms": last50_rounds,
            "full_read_ms": full_reads,
        },
    }


def availability(target: Target, installed: set[str]) -> str | None:
    """Why ``target`` cannot run here, or None."""
    if target.backend not in installed:
        return f"backend {target.backend!r} is not installed"
    return None


def run_target(target: Target, args: argparse.Namespace) -> dict:
    with target.open() as ns:
        raw_context = ns.raw() if ns.raw is not None else contextlib.nullcontext()
        rows = []
        with raw_context as raw, contextlib.closing(tether.open_store(ns.url)) as store:
            for size in args.sizes:
                print(f"  {target.name}: {size:,} messages ...", file=sys.stderr, flush=True)
                rows.append(measure_size(store, size, raw, args))
    return {"target": target.name, "baseline": target.baseline, "notes": ns.notes, "sizes": rows}


def check_goals(result: dict) -> list[str]:
    """file and sqlite against the goals; one line per goal."""
    if result["target"] not in ("file", "sqlite") or not result.get("sizes"):
        return []
    first, last = result["sizes"][0], result["sizes"][-1]
    checks = [
        (
            f"append median {last['append_ms']:.3f} ms at {last['size']:,} <= 0.2 ms",
            last["append_ms"] <= TARGETS_MS["append"],
        ),
        (
            f"append at {last['size']:,} is {last['append_ms'] / first['append_ms']:.2f}x "
            f"the one at {first['size']:,} (<= 1.5x)",
            last["append_ms"] <= TARGETS_MS["growth"] * first["append_ms"],
        ),
        (
            f"last-50 read {last['last50_ms']:.3f} ms at {last['size']:,} <= 2 ms",
            last["last50_ms"] <= TARGETS_MS["last50"],
        ),
    ]
    return [f"{'ok  ' if ok else 'MISS'} {result['target']}: {text}" for text, ok in checks]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="history sizes, comma list")
    parser.add_argument("--ops", type=int, default=200, help="timed operations per round")
    parser.add_argument("--runs", type=int, default=3, help="rounds per size (median taken)")
    parser.add_argument("--batch", type=int, default=1000, help="messages per batch when filling")
    names = [t.name for t in TARGETS]
    parser.add_argument("--targets", default=",".join(names), help=f"subset of {names}")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.targets = [t for t in TARGETS if t.name in args.targets.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    installed = set(store_backends())
    results, skipped = [], {}
    for target in args.targets:
        reason = availability(target, installed)
        if reason is None:
            print(f"{target.name}:", file=sys.stderr, flush=True)
            try:
                results.append(run_target(target, args))
                continue
            except Exception as exc:  # a server down or a plugin failing: report, go on
                reason = f"{type(exc).__name__}: {exc}"
        skipped[target.name] = reason

    rows = [{"target": r["target"], **row} for r in results for row in r["sizes"]]
    print(
        table(
            rows,
            [
                ("target", "target"),
                ("size", "messages"),
                ("append_ms", "append ms"),
                ("append_p90_ms", "p90 ms"),
                ("raw_append_ms", "raw ms"),
                ("ratio", "tether/raw"),
                ("last50_ms", "last-50 ms"),
                ("full_read_ms", "full read ms"),
                ("fill_msgs_per_s", "fill msg/s"),
            ],
        )
    )
    for name, reason in skipped.items():
        print(f"skipped {name}: {reason}")
    for result in results:
        for line in check_goals(result):
            print(line)
    path = write_results(
        "stores",
        {
            "options": {"sizes": args.sizes, "ops": args.ops, "runs": args.runs},
            "results": results,
            "skipped": skipped,
        },
    )
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
