"""A conversation: one session of one store, shared by the agents that talk in it."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from tether.agent.ops import Op, store_op
from tether.config import MemoryConfig
from tether.errors import ConfigurationError, SessionExpiredError, SessionNotFoundError
from tether.ids import new_session_id
from tether.models import Message, SessionInfo, utcnow
from tether.stores.base import SessionStore


class Conversation:
    """Where the turns go: ``store`` / ``session_id`` / ``user_id``, opened on first use.

    ``config`` also says what is sent to the model (``history``, ``max_messages``,
    ``max_tokens``). The store is closed by :meth:`close` only if this object opened it.
    """

    def __init__(self, config: MemoryConfig, *, agent_name: str | None = None) -> None:
        self.config = config
        self.session_id = config.name or new_session_id()
        self.user_id = config.owner
        self.agent_name = agent_name
        self.info: SessionInfo | None = None
        self._store: SessionStore | None = None
        self._owns_store = False
        self.closed = False

    def __repr__(self) -> str:
        return f"<Conversation {self.session_id!r} of {self.user_id!r}>"

    @property
    def store(self) -> SessionStore:
        """The store, opened on first use."""
        if self._store is None:
            self._store, self._owns_store = self.config.open_store()
        return self._store

    @property
    def is_open(self) -> bool:
        return self.info is not None

    def open_steps(self) -> Generator[Op, Any, SessionInfo]:
        """Create the session if it does not exist yet; remember its info."""
        if self.info is None:
            self.info = yield store_op(
                self.store,
                "create_session",
                self.session_id,
                user_id=self.user_id,
                title=self.config.title,
                agent_name=self.agent_name,
                ttl=self.config.ttl,
                exist_ok=True,
            )
        return self.info

    def check_live(self) -> None:
        """Raise if the conversation was closed, or once the session's TTL has passed."""
        if self.closed:
            raise ConfigurationError(
                f"the conversation in session {self.session_id!r} was closed; "
                "create a new agent (or session) to continue it"
            )
        if self.info is not None and self.info.is_expired():
            raise self.expired_error()

    def expired_error(self) -> SessionExpiredError:
        assert self.info is not None and self.info.expires_at is not None
        return SessionExpiredError(
            f"session {self.session_id!r} of user {self.user_id!r} expired at "
            f"{self.info.expires_at.isoformat()}; it no longer accepts messages. Start a new "
            "session (another session_id) to continue."
        )

    def translate(self, exc: SessionNotFoundError) -> SessionNotFoundError:
        """The clearer error for a store's not-found: expired when the TTL has passed."""
        if isinstance(exc, SessionExpiredError) or self.info is None:
            return exc
        if self.info.expires_at is not None and self.info.expires_at <= utcnow():
            return self.expired_error()
        return exc

    def time_to_expiry(self) -> float | None:
        """Seconds until the session expires (0 once it has), or None without a TTL."""
        if self.info is None or self.info.expires_at is None:
            return None
        return max(0.0, (self.info.expires_at - utcnow()).total_seconds())

    def read_op(self, last: int | None = None) -> Op:
        """An op reading the stored history (the last ``last`` messages)."""
        return store_op(
            self.store, "get_messages", self.session_id, user_id=self.user_id, last=last
        )

    def append_op(self, messages: list[Message]) -> Op:
        """An op appending ``messages`` in one atomic store call."""
        return store_op(
            self.store, "append_messages", self.session_id, messages, user_id=self.user_id
        )

    def refresh(self) -> SessionInfo:
        """Re-read the session's info from the store."""
        self.info = self.store.get_session(self.session_id, user_id=self.user_id)
        return self.info

    def own_store(self) -> None:
        """Take over closing the store that was handed in already open."""
        self._owns_store = True

    def close(self) -> None:
        """Close the store if this conversation opened it. Safe to call twice."""
        self.closed = True
        if self._store is not None and self._owns_store:
            self._owns_store = False
            self._store.close()
