"""Functions run in child processes by the multi-process kit tests.

They live in an importable module so ``multiprocessing``'s spawn start method can find them.
Each child opens its own store from the URL, as a separate application process would.
"""

from __future__ import annotations

import tether


def append_many(url: str, session_id: str, writer: int, count: int) -> int:
    """Append ``count`` messages one at a time, tagged with the writer and its sequence."""
    store = tether.open_store(url)
    try:
        for seq in range(count):
            store.append_message(
                session_id,
                {
                    "role": "user",
                    "content": f"w{writer}-{seq}",
                    "metadata": {"writer": writer, "seq": seq},
                },
            )
    finally:
        store.close()
    return count


def increment_many(url: str, session_id: str, key: str, count: int) -> int:
    """Increment a state counter ``count`` times, one call each."""
    store = tether.open_store(url)
    try:
        for _ in range(count):
            store.increment_state(session_id, key)
    finally:
        store.close()
    return count
