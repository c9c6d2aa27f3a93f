"""Simple façades over any session store, with the reference library's method names.

* :func:`get_default_session_store` / :class:`DefaultSessionStore`: chat history by session
  id (sessions are created on first message).
* :class:`HierarchicalSessionStore`: sessions with snapshots, forks and reverts.

Both take a store URL (default: the default file store) or an open ``SessionStore`` and
work the same on every backend. ``user_id`` scopes every call (``default_user``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from tether.errors import SessionExpiredError, SessionNotFoundError
from tether.ids import DEFAULT_USER_ID, validate_id, validate_user_id
from tether.models import Message, SessionExport, SessionInfo
from tether.stores.base import SessionStore


class _Facade:
    def __init__(self, url: str | SessionStore | None = None, *, user_id: str = DEFAULT_USER_ID):
        from tether.stores.registry import open_store

        if isinstance(url, SessionStore):
            self.store, self._owns_store = url, False
        else:
            self.store, self._owns_store = open_store(url), True
        self.user_id = validate_user_id(user_id)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.store!r}>"

    def _key(self) -> dict[str, str]:
        return {"user_id": self.user_id}

    def close(self) -> None:
        """Close the store if this object opened it. Safe to call twice."""
        if self._owns_store:
            self._owns_store = False
            self.store.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _info_dict(info: SessionInfo) -> dict[str, Any]:
    return info.model_dump(mode="json")


class DefaultSessionStore(_Facade):
    """Chat history by session id. A session is created by its first message."""

    def __init__(self, url: str | SessionStore | None = None, *, user_id: str = DEFAULT_USER_ID):
        super().__init__(url, user_id=user_id)
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def _ensure(self, session_id: str) -> None:
        if session_id in self._known:
            return
        self.store.create_session(session_id, exist_ok=True, **self._key())
        with self._lock:
            self._known.add(session_id)

    def invalidate_cache(self, session_id: str | None = None) -> None:
        """Forget which sessions are known to exist (one, or all)."""
        with self._lock:
            if session_id is None:
                self._known.clear()
            else:
                self._known.discard(session_id)

    def add_message(
        self,
        session_id: str,
        role: str,
        content: Any,
        metadata: Mapping[str, Any] | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
        tool_call_id: str | None = None,
        *,
        name: str | None = None,
    ) -> Message:
        """Append a message, creating the session if needed; returns it with its index."""
        message = {
            "role": role,
            "content": content,
            "metadata": dict(metadata or {}),
            "tool_calls": tool_calls,
            "tool_call_id": tool_call_id,
            "name": name,
        }
        return self._append(session_id, [message])[0]

    def add_messages(
        self, session_id: str, messages: Iterable[Message | Mapping[str, Any]]
    ) -> list[Message]:
        """Append several messages atomically, creating the session if needed."""
        return self._append(session_id, list(messages))

    def _append(self, session_id: str, messages: list[Any]) -> list[Message]:
        validate_id(session_id)
        self._ensure(session_id)
        try:
            return self.store.append_messages(session_id, messages, **self._key())
        except SessionExpiredError:
            raise
        except SessionNotFoundError:
            # Deleted since we cached it (by another process, say): create it again, once.
            self.invalidate_cache(session_id)
            self._ensure(session_id)
            return self.store.append_messages(session_id, messages, **self._key())

    def add_user_message(
        self, session_id: str, content: Any, metadata: Mapping[str, Any] | None = None
    ) -> Message:
        """Append a user message."""
        return self.add_message(session_id, "user", content, metadata)

    def add_assistant_message(
        self,
        session_id: str,
        content: Any,
        metadata: Mapping[str, Any] | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
    ) -> Message:
        """Append an assistant message."""
        return self.add_message(session_id, "assistant", content, metadata, tool_calls)

    def get_chat_history(
        self, session_id: str, max_messages: int | None = None
    ) -> list[dict[str, Any]]:
        """The history as model messages, oldest first: all of it, or the newest
        ``max_messages``. A session that does not exist has an empty history."""
        try:
            messages = self.store.get_messages(session_id, last=max_messages, **self._key())
        except SessionExpiredError:
            raise
        except SessionNotFoundError:
            return []
        return [m.to_llm() for m in messages]

    def get_messages(self, session_id: str, max_messages: int | None = None) -> list[Message]:
        """Like :meth:`get_chat_history`, as :class:`~tether.models.Message` objects."""
        return self.store.get_messages(session_id, last=max_messages, **self._key())

    def set_chat_history(
        self, session_id: str, messages: Iterable[Message | Mapping[str, Any]]
    ) -> None:
        """Replace the history with ``messages`` (checked before anything is deleted)."""
        from tether.stores._prepare import messages as checked_messages

        checked = checked_messages(list(messages))
        self._ensure(session_id)
        self.store.clear_messages(session_id, **self._key())
        if checked:
            self.store.append_messages(session_id, checked, **self._key())

    def clear_session(self, session_id: str) -> int:
        """Delete the session's messages (it stays, with its state); how many went."""
        try:
            return self.store.clear_messages(session_id, **self._key())
        except SessionExpiredError:
            raise
        except SessionNotFoundError:
            return 0

    def session_exists(self, session_id: str) -> bool:
        """True if the session exists (and has not expired)."""
        return self.store.session_exists(session_id, **self._key())

    def get_session(self, session_id: str) -> dict[str, Any]:
        """The session's info as a JSON-able dict."""
        return _info_dict(self.store.get_session(session_id, **self._key()))

    def list_sessions(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest ``limit`` sessions of this user, as JSON-able dicts."""
        page = self.store.list_sessions(user_id=self.user_id, limit=limit)
        return [_info_dict(info) for info in page.items]

    def delete_session(self, session_id: str) -> bool:
        """Delete the session and everything in it; False if it did not exist."""
        self.invalidate_cache(session_id)
        return self.store.delete_session(session_id, **self._key())


_defaults: dict[tuple[str, str], DefaultSessionStore] = {}
_defaults_lock = threading.Lock()


def get_default_session_store(
    url: str | None = None, *, user_id: str = DEFAULT_USER_ID
) -> DefaultSessionStore:
    """The shared :class:`DefaultSessionStore` for ``url`` (default: the default file store)."""
    from tether.stores.registry import default_store_url

    key = (url or default_store_url(), user_id)
    with _defaults_lock:
        found = _defaults.get(key)
        if found is None:
            found = _defaults[key] = DefaultSessionStore(key[0], user_id=user_id)
        return found


class HierarchicalSessionStore(_Facade):
    """Sessions that branch: snapshots, forks and reverts, by session id.

    Message indexes are the store's: the first message of a session is 0, and a fork keeps
    its parent's indexes.
    """

    def create_session(
        self,
        session_id: str | None = None,
        title: str | None = None,
        parent_id: str | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        """Create a session; returns its id. With ``parent_id`` it starts empty as a child
        of that session (it inherits its state and shows in its tree)."""
        if parent_id is not None:
            info = self.store.fork_session(
                parent_id, new_session_id=session_id, position=0, title=title, **self._key()
            )
            return info.session_id
        info = self.store.create_session(session_id, title=title, metadata=metadata, **self._key())
        return info.session_id

    def add_message(self, session_id: str, role: str, content: Any, **fields: Any) -> int:
        """Append a message; returns its index."""
        message = {"role": role, "content": content, **fields}
        stored = self.store.append_message(session_id, message, **self._key())
        assert stored.index is not None
        return stored.index

    def get_messages(self, session_id: str) -> list[dict[str, Any]]:
        """The history as model messages, oldest first."""
        return [m.to_llm() for m in self.store.get_messages(session_id, **self._key())]

    def get_session(self, session_id: str) -> dict[str, Any]:
        """The session's info as a JSON-able dict."""
        return _info_dict(self.store.get_session(session_id, **self._key()))

    def create_snapshot(self, session_id: str, label: str | None = None) -> str:
        """Record the current history and state; returns the snapshot id."""
        return self.store.create_snapshot(session_id, label=label, **self._key()).snapshot_id

    def list_snapshots(self, session_id: str) -> list[dict[str, Any]]:
        """The session's snapshots, oldest first, as JSON-able dicts."""
        return [
            s.model_dump(mode="json") for s in self.store.list_snapshots(session_id, **self._key())
        ]

    def revert_to_snapshot(self, session_id: str, snapshot_id: str) -> None:
        """Drop the messages added after the snapshot and restore its state."""
        self.store.revert_to_snapshot(session_id, snapshot_id, **self._key())

    def revert_to_message(self, session_id: str, message_index: int) -> None:
        """Keep the messages up to and including index ``message_index``; drop the rest."""
        self.store.rewind(session_id, _after(message_index), **self._key())

    def fork_session(
        self,
        session_id: str,
        from_message_index: int | None = None,
        title: str | None = None,
        *,
        new_session_id: str | None = None,
    ) -> str:
        """A new session with this one's history (up to and including
        ``from_message_index``, else all of it) and state; returns its id."""
        position = None if from_message_index is None else _after(from_message_index)
        info = self.store.fork_session(
            session_id, new_session_id=new_session_id, position=position, title=title, **self._key()
        )
        return info.session_id

    def get_session_tree(self, session_id: str) -> dict[str, Any]:
        """The session and its forks, recursively: ``{"session_id", "title", "parent_id",
        "fork_index", "message_count", "children": [...]}``."""
        root = self.store.get_session(session_id, **self._key())
        children: dict[str, list[SessionInfo]] = {}
        cursor = None
        while True:
            page = self.store.list_sessions(user_id=self.user_id, limit=1000, cursor=cursor)
            for info in page.items:
                if info.parent_id is not None:
                    children.setdefault(info.parent_id, []).append(info)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return _tree(root, children, set())

    def export_session(self, session_id: str) -> dict[str, Any]:
        """Everything of the session as a JSON-able dict (see :meth:`import_session`)."""
        return self.store.export_session(session_id, **self._key()).model_dump(mode="json")

    def import_session(self, data: Mapping[str, Any] | SessionExport, replace: bool = False) -> str:
        """Store an exported session as it was; returns its id. An existing session with the
        same id is an error unless ``replace``."""
        return self.store.import_session(data, replace=replace).session_id  # type: ignore[arg-type]

    def delete_session(self, session_id: str) -> bool:
        """Delete the session (its forks live on); False if it did not exist."""
        return self.store.delete_session(session_id, **self._key())


def _after(message_index: object) -> int:
    from tether.errors import InvalidInputError

    if isinstance(message_index, bool) or not isinstance(message_index, int) or message_index < 0:
        raise InvalidInputError(
            f"message_index must be a non-negative integer, not {message_index!r}"
        )
    return message_index + 1


def _tree(
    info: SessionInfo, children: dict[str, list[SessionInfo]], seen: set[str]
) -> dict[str, Any]:
    seen.add(info.session_id)
    kids = sorted(children.get(info.session_id, []), key=lambda c: c.created_at)
    return {
        "session_id": info.session_id,
        "title": info.title,
        "parent_id": info.parent_id,
        "fork_index": info.fork_index,
        "message_count": info.message_count,
        "created_at": info.created_at.isoformat(),
        "children": [_tree(kid, children, seen) for kid in kids if kid.session_id not in seen],
    }
