"""``SessionManager``: open sessions by key, created on first use, sharing one store."""

from __future__ import annotations

import threading
from typing import Any

from tether.ids import DEFAULT_USER_ID
from tether.session.core import Session
from tether.stores.base import SessionStore


class SessionManager:
    """Keeps one open :class:`Session` per (user, key), all in one store.

    ``db`` (a URL or an open store; default: the default file store) is opened once, on
    first use, and shared; other keyword arguments are defaults for every session.
    """

    def __init__(self, *, db: str | SessionStore | None = None, **defaults: Any) -> None:
        self._db = db
        self._defaults = defaults
        self._store: SessionStore | None = None
        self._owns_store = False
        self._sessions: dict[tuple[str, str], Session] = {}
        self._lock = threading.RLock()

    def _shared_store(self) -> SessionStore:
        if self._store is None:
            if isinstance(self._db, SessionStore):
                self._store = self._db
            else:
                from tether.stores.registry import open_store

                self._store, self._owns_store = open_store(self._db), True
        return self._store

    def get_or_create(self, key: str, **kwargs: Any) -> Session:
        """The open session ``key`` of ``user_id`` (a kwarg or default), created if needed."""
        options = {**self._defaults, **kwargs}
        user_id = options.pop("user_id", None) or DEFAULT_USER_ID
        with self._lock:
            session = self._sessions.get((user_id, key))
            if session is None or session._closed:
                if "db" not in options:
                    options["db"] = self._shared_store()
                session = Session(session_id=key, user_id=user_id, **options)
                self._sessions[(user_id, key)] = session
            return session

    def get(self, key: str, user_id: str | None = None) -> Session | None:
        """The open session ``key``, or None."""
        with self._lock:
            return self._sessions.get((user_id or DEFAULT_USER_ID, key))

    def remove(self, key: str, user_id: str | None = None) -> bool:
        """Close and forget session ``key`` (its stored data stays); False if not open."""
        with self._lock:
            session = self._sessions.pop((user_id or DEFAULT_USER_ID, key), None)
        if session is None:
            return False
        session.close()
        return True

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, key: object) -> bool:
        return any(k == key for _, k in self._sessions)

    def close(self) -> None:
        """Close every session and the shared store. Safe to call twice."""
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
            store, self._store = self._store, None
        for session in sessions:
            session.close()
        if store is not None and self._owns_store:
            self._owns_store = False
            store.close()

    def __enter__(self) -> SessionManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
