"""Several processes writing at once: nothing lost, nothing doubled, order per writer kept."""

from __future__ import annotations

import multiprocessing
from collections import defaultdict

from tether_testing import workers
from tether_testing.guard import requires
from tether_testing.kit.base import KitBase

PROCESSES = 4
PER_PROCESS = 500


def run_in_processes(function, calls: list[tuple]) -> list:
    """Run ``function(*args)`` for each args tuple, each in its own spawned process, at once."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(calls)) as pool:
        jobs = [pool.apply_async(function, args) for args in calls]
        return [job.get(timeout=600) for job in jobs]


class ConcurrencyTests(KitBase):
    @requires("multi_process")
    def test_concurrent_increments_from_processes(self, store, store_url):
        store.create_session("counter")
        calls = [(store_url, "counter", "hits", PER_PROCESS)] * PROCESSES
        run_in_processes(workers.increment_many, calls)
        assert store.get_state_value("counter", "hits") == PROCESSES * PER_PROCESS

    @requires("multi_process")
    def test_concurrent_appends_from_processes(self, store, store_url):
        store.create_session("busy")
        calls = [(store_url, "busy", writer, PER_PROCESS) for writer in range(PROCESSES)]
        run_in_processes(workers.append_many, calls)
        messages = store.get_messages("busy")
        total = PROCESSES * PER_PROCESS
        assert len(messages) == total == store.count_messages("busy")
        assert [m.index for m in messages] == list(range(total))
        by_writer: dict[int, list[int]] = defaultdict(list)
        for m in messages:
            by_writer[m.metadata["writer"]].append(m.metadata["seq"])
        assert {w: seqs for w, seqs in by_writer.items()} == {
            w: list(range(PER_PROCESS)) for w in range(PROCESSES)
        }, "a writer's messages were lost, doubled or reordered"
        assert len({m.id for m in messages}) == total
