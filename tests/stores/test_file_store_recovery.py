"""The file store's damaged-file handling: torn tails are recovered, corruption is reported
with the file's name, and nothing is deleted or rewritten on the way."""

from __future__ import annotations

import json

import pytest

from tether.errors import CorruptDataError, SchemaVersionError
from tether.stores._prepare import SessionKey
from tether.stores.file.layout import MESSAGES, SESSION, session_dir


def msg(content="hello"):
    return {"role": "user", "content": content}


@pytest.fixture
def store(open_store, file_url):
    store = open_store(file_url)
    store.create_session("s")
    store.append_messages("s", [msg("a"), msg("b"), msg("c")])
    return store


@pytest.fixture
def folder(store):
    return session_dir(store.root, SessionKey("default_user", "s"))


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def message_lines(folder):
    return (folder / MESSAGES).read_bytes().split(b"\n")[1:-1]


@pytest.mark.parametrize(
    "torn",
    [
        b'{"i":3,"t":"2025-01-01T00:00:00+00:00","m":{"role":"us',  # cut mid-line
        b"\x00\x00\x00\x00",  # zero-filled tail after a power loss
        b"garbage that ends in a newline\n",
        b'{"i":3,"e":4,"m":{"role":"user","content":"x"}}\n',  # a batch cut before its end
    ],
)
def test_torn_tail_is_ignored_by_readers_and_cut_by_the_next_writer(store, folder, torn):
    with open(folder / MESSAGES, "ab") as f:
        f.write(torn)
    assert [m.content for m in store.get_messages("s")] == ["a", "b", "c"]
    assert store.count_messages("s") == 3
    assert store.get_session("s").next_index == 3
    assert store.get_message_page("s", after=1).items[0].content == "c"

    assert store.append_message("s", msg("d")).index == 3
    assert [m.content for m in store.get_messages("s")] == ["a", "b", "c", "d"]
    assert all(json.loads(line)["i"] == i for i, line in enumerate(message_lines(folder)))


def test_a_batch_cut_short_is_not_half_visible(store, folder):
    lines = message_lines(folder)
    store.append_messages("s", [msg("x"), msg("y"), msg("z")])
    batch = message_lines(folder)[3:]
    assert [json.loads(line).get("e") for line in batch] == [5, 5, None]
    # simulate a writer killed after the first two lines of the batch
    body = b"\n".join([*lines, *batch[:2]]) + b"\n"
    header = (folder / MESSAGES).read_bytes().split(b"\n")[0]
    (folder / MESSAGES).write_bytes(header + b"\n" + body)
    assert [m.content for m in store.get_messages("s")] == ["a", "b", "c"]
    assert store.append_message("s", msg("d")).index == 3


def test_garbage_line_in_the_middle_is_reported_and_kept(store, folder):
    path = folder / MESSAGES
    lines = path.read_bytes().split(b"\n")
    lines[2] = b"this is not a message"
    path.write_bytes(b"\n".join(lines))
    before = snapshot(folder)
    with pytest.raises(CorruptDataError) as caught:
        store.get_messages("s")
    assert str(path) in str(caught.value)
    with pytest.raises(CorruptDataError):
        store.get_message_page("s", after=0)
    assert snapshot(folder) == before


def test_unreadable_message_body_is_reported(store, folder):
    path = folder / MESSAGES
    path.write_bytes(path.read_bytes().replace(b'"role":"user"', b'"role":"wizard"', 1))
    with pytest.raises(CorruptDataError, match=r"messages\.jsonl"):
        store.get_messages("s")


@pytest.mark.parametrize("damage", [b"{not json", b"[]", b'{"format": 1}', b""])
def test_garbage_session_json_raises_and_touches_nothing(store, folder, damage):
    store.save_state("s", {"k": 1})
    (folder / SESSION).write_bytes(damage)
    before = snapshot(folder)
    for attempt in (
        lambda: store.get_session("s"),
        lambda: store.session_exists("s"),
        lambda: store.append_message("s", msg()),
        lambda: store.get_messages("s"),
        lambda: store.create_session("s"),
        lambda: store.create_session("s", exist_ok=True),
        lambda: store.load_state("s"),
        lambda: store.import_session(store.export_session("s")),
    ):
        with pytest.raises(CorruptDataError) as caught:
            attempt()
        assert str(folder / SESSION) in str(caught.value)
    assert store.list_sessions().items == []  # listed sessions skip it (with a warning)
    assert store.purge_expired() == 0
    assert snapshot(folder) == before


def test_session_json_of_another_id_is_corruption(store, open_store, folder):
    store.create_session("other")
    other = session_dir(store.root, SessionKey("default_user", "other"))
    (other / SESSION).write_bytes((folder / SESSION).read_bytes())
    with pytest.raises(CorruptDataError, match="belongs to session 's'"):
        store.get_session("other")


def test_newer_formats_are_refused(store, folder):
    doc = json.loads((folder / SESSION).read_bytes())
    (folder / SESSION).write_text(json.dumps({**doc, "format": 99}))
    with pytest.raises(SchemaVersionError, match="upgrade tether"):
        store.get_session("s")
    (folder / SESSION).write_text(json.dumps(doc))
    path = folder / MESSAGES
    header, rest = path.read_bytes().split(b"\n", 1)
    newer = json.dumps({**json.loads(header), "format": 2}).encode()
    path.write_bytes(newer + b"\n" + rest)
    with pytest.raises(SchemaVersionError, match=r"messages\.jsonl"):
        store.get_messages("s")


def test_damaged_header_is_reported(store, folder):
    path = folder / MESSAGES
    path.write_bytes(b"{}\n" + path.read_bytes().split(b"\n", 1)[1])
    with pytest.raises(CorruptDataError, match="header"):
        store.count_messages("s")


def test_records_torn_tail_is_recovered_and_bad_middle_reported(store, folder):
    first = store.create_snapshot("s", label="one")
    path = folder / "records.jsonl"
    with open(path, "ab") as f:
        f.write(b'{"kind":"snapshot","id":"x","da')
    assert [s.label for s in store.list_snapshots("s")] == ["one"]
    store.create_snapshot("s", label="two")
    assert [s.label for s in store.list_snapshots("s")] == ["one", "two"]
    assert all(json.loads(line) for line in path.read_text().splitlines())
    path.write_bytes(b"garbage\n" + path.read_bytes())
    before = snapshot(folder)
    with pytest.raises(CorruptDataError, match=r"records\.jsonl: line 1"):
        store.get_snapshot("s", first.snapshot_id)
    assert snapshot(folder) == before
