"""Bad input raises a clear, typed error from tether.errors and changes nothing."""

from __future__ import annotations

import pytest

from tether.errors import (
    InvalidInputError,
    InvalidMessageError,
    InvalidSessionIdError,
    NotJSONSerializableError,
    TetherError,
)
from tether_testing.kit.base import KitBase, msg


def snapshot_of(store) -> tuple:
    """Everything visible in the store, to check that a failed call changed nothing."""
    sessions = store.list_sessions(limit=1000).items
    return tuple(
        (
            s.session_id,
            s.user_id,
            s.title,
            s.metadata,
            s.next_index,
            tuple(m.model_dump_json() for m in store.get_messages(s.session_id, user_id=s.user_id)),
            tuple(sorted(store.load_state(s.session_id, user_id=s.user_id).items())),
        )
        for s in sorted(sessions, key=lambda s: (s.user_id, s.session_id))
    )


BAD_IDS = ["../../etc/passwd", "", "a/b", "..", "back\\slash", "nul\x00", " padded", 42, None]


class BadInputTests(KitBase):
    @pytest.fixture
    def populated(self, store):
        store.create_session("s1", metadata={"k": 1})
        store.append_messages("s1", [msg(content="a"), msg("assistant", "b")])
        store.save_state("s1", {"n": 1, "text": "t"})
        return store

    @pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
    def test_bad_session_ids(self, populated, bad):
        before = snapshot_of(populated)
        for call in (
            lambda: (
                populated.create_session(bad) if bad is not None else populated.get_session(bad)
            ),
            lambda: populated.append_message(bad, msg()),
            lambda: populated.get_messages(bad),
            lambda: populated.delete_session(bad),
            lambda: populated.save_state(bad, {}),
            lambda: populated.append_message("s1", msg(), user_id=bad),
        ):
            with pytest.raises(InvalidSessionIdError) as caught:
                call()
            assert isinstance(caught.value, (TetherError, ValueError)) and str(caught.value)
        assert snapshot_of(populated) == before

    def test_metadata_that_is_not_json(self, populated):
        before = snapshot_of(populated)
        for bad in ({"x": object()}, {"x": {1, 2}}, {1: "int key"}, {"x": float("nan")}):
            with pytest.raises(NotJSONSerializableError):
                populated.append_message("s1", msg(metadata=bad))
            with pytest.raises(NotJSONSerializableError):
                populated.create_session("s2", metadata=bad)
            with pytest.raises(NotJSONSerializableError):
                populated.update_session("s1", metadata=bad)
        with pytest.raises(NotJSONSerializableError):
            populated.append_messages("s1", [msg(content="ok"), msg(metadata={"x": b"bytes"})])
        assert snapshot_of(populated) == before

    def test_state_that_is_not_json(self, populated):
        before = snapshot_of(populated)
        with pytest.raises(NotJSONSerializableError):
            populated.set_state_value("s1", "n", object())
        with pytest.raises(NotJSONSerializableError):
            populated.save_state("s1", {"n": {1, 2}})
        with pytest.raises(InvalidInputError):
            populated.save_state("s1", ["not", "a", "dict"])
        with pytest.raises(InvalidInputError):
            populated.increment_state("s1", "n", "1")
        with pytest.raises(InvalidInputError):
            populated.increment_state("s1", "text")
        assert snapshot_of(populated) == before

    def test_malformed_messages(self, populated):
        before = snapshot_of(populated)
        for bad in (
            {"role": "wizard", "content": "x"},
            {"content": "no role"},
            {"role": "user", "content": 12},
            {"role": "user", "content": "x", "unknown_field": 1},
            "just a string",
        ):
            with pytest.raises(InvalidMessageError):
                populated.append_messages("s1", [bad])
        with pytest.raises(InvalidMessageError):
            populated.append_messages("s1", msg())
        assert snapshot_of(populated) == before

    def test_bad_arguments(self, populated):
        before = snapshot_of(populated)
        with pytest.raises(InvalidInputError):
            populated.get_messages("s1", last=-1)
        with pytest.raises(InvalidInputError):
            populated.list_sessions(cursor="not-a-cursor")
        with pytest.raises(InvalidInputError):
            populated.get_message_page("s1", after="x")
        with pytest.raises(InvalidInputError):
            populated.trim_messages("s1", -1)
        with pytest.raises(InvalidInputError):
            populated.create_session("s9", ttl=-1)
        assert snapshot_of(populated) == before
