"""One store object shared by threads (as ``store.aio`` and web servers do)."""

from __future__ import annotations

import threading


def test_threads_sharing_a_store_lose_nothing(url, open_store):
    store = open_store(url)
    store.create_session("s")

    def work(writer):
        for seq in range(40):
            store.append_message("s", {"role": "user", "content": f"{writer}-{seq}"})
            store.increment_state("s", "n")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    messages = store.get_messages("s")
    assert [m.index for m in messages] == list(range(240))
    assert len({m.content for m in messages}) == 240
    assert store.get_state_value("s", "n") == 240
