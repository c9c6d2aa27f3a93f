"""The file store's files: where they go, what they look like, and how they change."""

from __future__ import annotations

import json
import os
import re
import threading

import pytest

import tether
from tether.errors import ConfigurationError, CorruptDataError, InvalidSessionIdError
from tether.stores._prepare import SessionKey
from tether.stores.file import FileStore
from tether.stores.file.layout import INDEX, LOCK, MESSAGES, SESSION, folder_name, session_dir
from tether.stores.registry import tether_home


def msg(content="hello"):
    return {"role": "user", "content": content}


@pytest.fixture
def store(open_store, file_url):
    return open_store(file_url)


def files_under(path):
    return {p for p in path.rglob("*")}


AWKWARD_IDS = [
    "...",
    ".hidden",
    "~",
    "con",
    "CON.txt",
    "Chat",
    "chat",
    "a:b{c}d",
    "'; DROP TABLE sessions; --",
    '{"$gt": ""}',
    "ü ñ 😀",
    "a b",
    "*?<>|",
    "%2e%2e",
    "..\u2215etc\u2215passwd",
    "x" * 200,
    "end.",
]


def test_awkward_ids_stay_inside_the_root_and_round_trip(tmp_path, store):
    for user in ("default_user", "Alice:1", ".u"):
        for i, session_id in enumerate(AWKWARD_IDS):
            store.create_session(session_id, user_id=user, title=str(i))
            store.append_message(session_id, msg(session_id), user_id=user)
            store.save_state(session_id, {"id": session_id}, user_id=user)
            store.create_snapshot(session_id, user_id=user)
    assert list(tmp_path.iterdir()) == [store.root]
    assert all(p.resolve().is_relative_to(store.root) for p in files_under(store.root))
    names = {p.name for p in store.root.iterdir() if p.is_dir()}
    names |= {p.name for d in store.root.iterdir() if d.is_dir() for p in d.iterdir()}
    assert all(re.fullmatch(r"[a-z0-9_~.-]{1,65}", name) for name in names), names
    assert not any(name.startswith(".") or name.endswith(".") for name in names)
    for i, session_id in enumerate(AWKWARD_IDS):
        info = store.get_session(session_id, user_id="Alice:1")
        assert (info.session_id, info.title) == (session_id, str(i))
        assert store.get_messages(session_id, user_id="Alice:1")[0].content == session_id
    listed = {s.session_id for s in store.list_sessions(user_id="Alice:1", limit=100).items}
    assert listed == set(AWKWARD_IDS)


@pytest.mark.parametrize("bad", ["..", ".", "../etc", "a/b", "a\\b", "a\x00b", "a\nb", ""])
def test_traversal_ids_are_refused_before_touching_disk(tmp_path, store, bad):
    with pytest.raises(InvalidSessionIdError):
        store.create_session(bad)
    with pytest.raises(InvalidSessionIdError):
        store.create_session("fine", user_id=bad)
    assert not store.root.exists() or files_under(store.root) <= {
        store.root / INDEX,
        store.root / ".index.lock",
    }


def test_folder_names_keep_simple_ids_and_separate_the_rest():
    assert folder_name("default_user") == "default_user"
    assert folder_name("3f2a9c0e1b2d") == "3f2a9c0e1b2d"
    assert folder_name("Chat") != folder_name("chat") == "chat"
    assert folder_name("a:b").startswith("a_b~")
    assert folder_name("a_b") != folder_name("a:b") != folder_name("a;b")
    assert folder_name("con").startswith("con~")


def test_files_are_readable_json(store):
    store.create_session("s", title="Tïtle", metadata={"k": [1]})
    store.append_messages("s", [msg("a"), {"role": "assistant", "content": "b"}])
    store.save_state("s", {"n": 1})
    folder = session_dir(store.root, SessionKey("default_user", "s"))
    doc = json.loads((folder / SESSION).read_text("utf-8"))
    assert (doc["format"], doc["session_id"], doc["title"]) == (1, "s", "Tïtle")
    assert "Tïtle" in (folder / SESSION).read_text("utf-8")  # unicode kept readable
    header, *rows = [json.loads(line) for line in (folder / MESSAGES).read_text().splitlines()]
    assert header == {"tether": "messages", "format": 1, "next_index": 0, "count": 0}
    assert [(r["i"], r["m"]["role"], r["m"]["content"]) for r in rows] == [
        (0, "user", "a"),
        (1, "assistant", "b"),
    ]
    assert json.loads((folder / "state.json").read_text()) == {"n": 1}


def test_append_never_rewrites_the_history(store):
    store.create_session("s")
    store.append_messages("s", [msg(str(i)) for i in range(50)])
    path = session_dir(store.root, SessionKey("default_user", "s")) / MESSAGES
    before, inode = path.read_bytes(), path.stat().st_ino
    store.append_message("s", msg("new"))
    after = path.read_bytes()
    assert path.stat().st_ino == inode
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1


def test_pages_match_a_simple_model_across_sizes_and_batches(store):
    import random

    rng = random.Random(7)
    store.create_session("s")
    contents = []
    while len(contents) < 400:
        batch = [
            "m" * rng.choice([1, 50, 3000, 40_000]) + str(len(contents) + k)
            for k in range(rng.choice([1, 1, 1, 3, 7]))
        ]
        store.append_messages("s", [msg(c) for c in batch])
        contents += batch
    store.trim_messages("s", 380)
    kept = list(range(len(contents) - 380, len(contents)))
    for _ in range(150):
        after = rng.choice([None, -5, *rng.sample(range(-1, len(contents) + 2), 3)])
        before = rng.choice([None, 0, *rng.sample(range(0, len(contents) + 3), 3)])
        limit = rng.choice([0, 1, 5, 50, 1000])
        page = store.get_message_page("s", after=after, before=before, limit=limit)
        want = [i for i in kept if (after is None or i > after) and (before is None or i < before)]
        want = want[-limit:] if before is not None and after is None else want[:limit]
        want = want if limit else []
        assert [m.index for m in page.items] == want, (after, before, limit)
        assert all(m.content == contents[m.index] for m in page.items)
    assert [m.index for m in store.get_messages("s", last=7)] == kept[-7:]


def test_rewind_and_fork_inside_a_batch(store):
    store.create_session("s")
    store.append_messages("s", [msg(str(i)) for i in range(6)])
    fork = store.fork_session("s", new_session_id="f", position=2)
    assert fork.message_count == 2
    store.rewind("s", 4)
    for sid, n in (("s", 4), ("f", 2)):
        assert [m.content for m in store.get_messages(sid)] == [str(i) for i in range(n)]
        assert store.append_message(sid, msg("next")).index == n
        assert store.count_messages(sid) == n + 1


def test_deleting_removes_the_folder_and_leaves_no_lock_files(store):
    for user in ("u1", "Üser"):
        for sid in ("a", "B:c"):
            store.create_session(sid, user_id=user)
            store.append_message(sid, msg(), user_id=user)
    for user in ("u1", "Üser"):
        for sid in ("a", "B:c"):
            assert store.delete_session(sid, user_id=user)
    assert sorted(p.name for p in store.root.iterdir()) == [".index.jsonl", ".index.lock"]


def test_writer_waiting_on_a_session_being_deleted_does_not_revive_it(store):
    store.create_session("s")
    key = SessionKey("default_user", "s")
    outcome = []
    with store._files.locked(key) as folder:
        waiter = threading.Thread(
            target=lambda: outcome.append(_try(lambda: store.append_message("s", msg())))
        )
        waiter.start()
        waiter.join(0.2)
        store._files.remove(folder)
    waiter.join()
    assert outcome and isinstance(outcome[0], tether.errors.SessionNotFoundError)
    assert not folder.exists()


def _try(action):
    try:
        return action()
    except Exception as exc:
        return exc


def test_listing_survives_a_lost_index(store):
    for sid in ("a", "b", "c"):
        store.create_session(sid)
    listed = [s.session_id for s in store.list_sessions().items]
    (store.root / INDEX).unlink()
    assert [s.session_id for s in store.list_sessions().items] == listed
    (store.root / INDEX).write_text('{"op": "put"}\n{"op":\n')
    with pytest.raises(CorruptDataError, match="delete the file to rebuild it"):
        store.list_sessions()


def test_index_and_records_are_compacted(store):
    for i in range(120):  # ~90 KB of index rows without compaction
        store.create_session(f"s{i}" + "x" * 190)
        store.delete_session(f"s{i}" + "x" * 190)
    store.create_session("kept")
    assert (store.root / INDEX).stat().st_size < 64_000
    assert [s.session_id for s in store.list_sessions().items] == ["kept"]
    run = tether.Run(session_id="kept", metadata={"pad": "y" * 300})
    for n in range(600):
        run.usage.total_tokens = n
        store.save_run(run, user_id="default_user")
    records = session_dir(store.root, SessionKey("default_user", "kept")) / "records.jsonl"
    assert records.stat().st_size < 140_000
    assert [r.usage.total_tokens for r in store.list_runs("kept")] == [599]


def test_default_location_follows_tether_home(isolated_home):
    store = tether.open_store()
    assert isinstance(store, FileStore)
    assert store.root == (tether_home() / "sessions").resolve()
    store.create_session("s")
    assert (isolated_home / "sessions" / "default_user" / "s" / SESSION).is_file()


def test_options_from_the_url_and_keywords(tmp_path):
    base = (tmp_path / "d").as_uri()
    assert FileStore(base).fsync is False
    assert FileStore(base + "?fsync=1&lock_timeout=0.5").fsync is True
    assert FileStore(base + "?lock_timeout=0.5").lock_timeout == 0.5
    assert FileStore(base + "?fsync=1", fsync=False).fsync is False
    with pytest.raises(ConfigurationError, match="fsnyc"):
        FileStore(base + "?fsnyc=1")
    with pytest.raises(ConfigurationError):
        FileStore(base, colour="red")
    with pytest.raises(ConfigurationError):
        FileStore(base + "?lock_timeout=soon")


def test_fsync_mode_works(tmp_path):
    store = FileStore((tmp_path / "d").as_uri() + "?fsync=true")
    store.create_session("s")
    store.append_messages("s", [msg("a"), msg("b")])
    store.rewind("s", 1)
    assert [m.content for m in store.get_messages("s")] == ["a"]


def test_lock_files_stay_inside_session_folders(store):
    store.create_session("s")
    store.append_message("s", msg())
    locks = [p for p in store.root.rglob("*lock*")]
    folder = session_dir(store.root, SessionKey("default_user", "s"))
    assert sorted(locks) == sorted([store.root / ".index.lock", folder / LOCK])
    assert os.listdir(store.root)  # the root holds only the index and user folders
