"""Both stores under a killed writer and a held lock: nothing acknowledged is lost, the next
writer carries on, and a writer that cannot get the lock fails with a clear error."""

from __future__ import annotations

import signal

import pytest

from tether.errors import LockTimeoutError
from tether.stores._prepare import SessionKey
from tether.stores.file.layout import LOCK, session_dir

APPENDER = """
    import sys, tether
    store = tether.open_store(sys.argv[1])
    filler = "x" * int(sys.argv[2])
    while True:
        message = store.append_message("s", {"role": "user", "content": filler})
        print(message.index, flush=True)
"""


@pytest.mark.parametrize("content_size", [100, 300_000])
def test_sigkilled_appender_loses_no_acknowledged_message(url, open_store, child, content_size):
    store = open_store(url)
    store.create_session("s")
    for round_ in range(3):
        proc = child(APPENDER, url, str(content_size))
        acknowledged = []
        for line in proc.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) >= 5 + 4 * round_:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        acknowledged += [int(line) for line in proc.stdout.read().split()]

        indexes = [m.index for m in store.get_messages("s")]
        assert indexes == list(range(len(indexes)))
        assert set(acknowledged) <= set(indexes)
        assert store.count_messages("s") == len(indexes)
        assert store.get_session("s").next_index == len(indexes)
        assert store.append_message("s", {"role": "user", "content": "after"}).index == len(indexes)
    assert store.get_messages("s", last=1)[0].content == "after"


HOLD_FILE_LOCK = """
    import sys, time
    from pathlib import Path
    from tether.stores.file import lock
    fd = lock.acquire(Path(sys.argv[1]), 5, create_parent=False)
    print("held", flush=True)
    time.sleep(60)
"""

HOLD_SQLITE_LOCK = """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    time.sleep(60)
"""


def test_file_lock_held_by_another_process_times_out(file_url, open_store, child):
    store = open_store(file_url, lock_timeout=0.2)
    store.create_session("s")
    lock_path = session_dir(store.root, SessionKey("default_user", "s")) / LOCK
    proc = child(HOLD_FILE_LOCK, str(lock_path))
    assert proc.stdout.readline().strip() == "held"
    with pytest.raises(LockTimeoutError) as caught:
        store.append_message("s", {"role": "user", "content": "blocked"})
    assert str(lock_path) in str(caught.value)
    proc.kill()
    proc.wait()
    assert store.append_message("s", {"role": "user", "content": "free"}).index == 0


def test_sqlite_lock_held_by_another_process_times_out(sqlite_url, open_store, child):
    store = open_store(sqlite_url, busy_timeout=0.2)
    store.create_session("s")
    proc = child(HOLD_SQLITE_LOCK, str(store.path))
    assert proc.stdout.readline().strip() == "held"
    with pytest.raises(LockTimeoutError) as caught:
        store.append_message("s", {"role": "user", "content": "blocked"})
    assert str(store.path) in str(caught.value)
    proc.kill()
    proc.wait()
    assert store.append_message("s", {"role": "user", "content": "free"}).index == 0
