"""State: save and restore whole, get and set one key, atomic increment."""

from __future__ import annotations

import threading

import pytest

from tether.errors import InvalidInputError, SessionNotFoundError
from tether_testing.kit.base import KitBase

STATE = {"topic": "Python", "level": 2, "ratio": 0.5, "tags": ["a", "ü"], "deep": {"x": None}}


class StateTests(KitBase):
    def test_save_and_restore_whole(self, store):
        store.create_session("s1")
        assert store.load_state("s1") == {}
        store.save_state("s1", STATE)
        assert store.load_state("s1") == STATE
        store.save_state("s1", {"only": 1})
        assert store.load_state("s1") == {"only": 1}

    def test_get_and_set_one_key(self, store):
        store.create_session("s1")
        store.save_state("s1", {"a": 1, "b": 2})
        store.set_state_value("s1", "b", {"nested": [1, 2]})
        store.set_state_value("s1", "$gt", "literal")
        assert store.get_state_value("s1", "b") == {"nested": [1, 2]}
        assert store.get_state_value("s1", "missing", "dflt") == "dflt"
        assert store.load_state("s1") == {"a": 1, "b": {"nested": [1, 2]}, "$gt": "literal"}

    def test_increment(self, store):
        store.create_session("s1")
        assert store.increment_state("s1", "n") == 1
        assert store.increment_state("s1", "n", 5) == 6
        assert store.increment_state("s1", "n", -2) == 4
        assert store.increment_state("s1", "f", 0.5) == pytest.approx(0.5)
        assert store.get_state_value("s1", "n") == 4

    def test_increment_non_number_is_refused(self, store):
        store.create_session("s1")
        store.set_state_value("s1", "name", "text")
        with pytest.raises(InvalidInputError):
            store.increment_state("s1", "name")
        assert store.get_state_value("s1", "name") == "text"

    def test_state_of_missing_session(self, store):
        with pytest.raises(SessionNotFoundError):
            store.set_state_value("nope", "k", 1)
        with pytest.raises(SessionNotFoundError):
            store.increment_state("nope", "k")

    def test_increment_is_atomic_across_threads(self, store, reopen):
        store.create_session("s1")
        stores = [store, reopen()]

        def work(n: int) -> None:
            for _ in range(50):
                stores[n % 2].increment_state("s1", "count")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.get_state_value("s1", "count") == 400
