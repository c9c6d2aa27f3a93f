"""SessionManager: one open session per (user, key), sharing one store."""

from __future__ import annotations

from tether import SessionManager, open_store


def test_get_or_create_returns_the_same_session_for_a_key():
    with SessionManager(db="memory://") as manager:
        first = manager.get_or_create("user-123")
        assert manager.get_or_create("user-123") is first
        other_user = manager.get_or_create("user-123", user_id="bob")
        assert other_user is not first and other_user.user_id == "bob"
        assert first.store is other_user.store
        assert len(manager) == 2 and "user-123" in manager
        assert manager.get("user-123") is first and manager.get("nope") is None


def test_defaults_apply_to_every_session():
    with SessionManager(db="memory://", session_ttl=60) as manager:
        assert 0 < manager.get_or_create("a").time_to_expiry() <= 60


def test_remove_and_close_keep_the_data(tmp_path):
    url = (tmp_path / "store").as_uri()
    manager = SessionManager(db=url)
    manager.get_or_create("a").add_message("user", "hello")
    assert manager.remove("a") and not manager.remove("a")
    session = manager.get_or_create("b")
    manager.close()
    manager.close()
    assert session._closed
    with open_store(url) as store:
        assert store.count_messages("a") == 1 and store.session_exists("b")


def test_the_default_store_is_the_file_store():
    with SessionManager() as manager:
        assert manager.get_or_create("x").store.backend_name == "file"
