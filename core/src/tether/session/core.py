"""``Session``: one conversation, its state, checkpoints and runs, shared by its agents."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tether.agent.conversation import Conversation
from tether.agent.core import Agent
from tether.agent.ops import drive_sync
from tether.config import MemoryConfig
from tether.errors import ConfigurationError, SessionExistsError
from tether.models import Message, Run, Snapshot, utcnow
from tether.runs import RunHandle
from tether.session.config import agent_memory, check_ttl, session_memory
from tether.session.middleware import resolve_middleware
from tether.session.persist import read_session_file, write_session_file
from tether.stores._prepare import messages as checked_messages
from tether.stores.base import SessionStore


class Session:
    """A conversation with its state, checkpoints and runs.

    The session lives in a store: ``db`` (a URL or an open :class:`SessionStore`), the
    ``db``/``backend`` of ``memory_config``, or else the default file store, so a new
    ``Session(session_id=...)`` in another process sees the same history and state.
    Agents made with :meth:`Agent` talk in this session and share its history.
    """

    def __init__(
        self,
        session_id: str | None = None,
        user_id: str | None = None,
        agent_url: str | None = None,
        memory_config: Any = None,
        knowledge_config: Any = None,
        timeout: float = 30,
        session_ttl: float | None = None,
        middleware: Iterable[Callable[[Any, str], str] | str] | None = None,
        db: object | None = None,
        *,
        agent: Agent | None = None,
        title: str | None = None,
    ) -> None:
        if agent_url is not None:
            raise ConfigurationError(
                "remote sessions are not available yet: Session(agent_url=...) cannot be used"
            )
        if knowledge_config is not None:
            raise ConfigurationError(
                "session knowledge is not available yet: leave knowledge_config unset"
            )
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ConfigurationError(f"timeout must be a positive number of seconds: {timeout!r}")
        self.timeout = timeout
        config, self._adapter = session_memory(
            session_id, user_id, memory_config, db, check_ttl(session_ttl)
        )
        if title is not None:
            config.title = title
        self._middleware = resolve_middleware(middleware)
        self._conversation = Conversation(config)
        self.memory_config = config
        self.agents: list[Agent] = []
        self._agent: Agent | None = None
        self._closed = False
        self._open(session_ttl)
        if agent is not None:
            self.add_agent(agent)

    def _open(self, session_ttl: float | None) -> None:
        before = utcnow()
        try:
            info = drive_sync(self._conversation.open_steps())
            if session_ttl is not None and info.created_at < before:
                # An existing session: session_ttl restarts its clock from now.
                self._conversation.info = self.store.update_session(
                    self.session_id, user_id=self.user_id, ttl=session_ttl
                )
        except BaseException:
            self._conversation.close()
            raise

    def __repr__(self) -> str:
        return f"<Session {self.session_id!r} of {self.user_id!r}>"

    # --- identity ---------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        """This session's id."""
        return self._conversation.session_id

    @property
    def user_id(self) -> str:
        """The user this session belongs to (``default_user`` unless given)."""
        return self._conversation.user_id

    @property
    def store(self) -> SessionStore:
        """The store holding this session."""
        return self._conversation.store

    def _live(self) -> Conversation:
        if self._closed:
            raise ConfigurationError(f"session {self.session_id!r} is closed")
        self._conversation.check_live()
        return self._conversation

    def _key(self) -> dict[str, str]:
        return {"user_id": self.user_id}

    # --- agents -----------------------------------------------------------------------

    def Agent(self, name: str = "Agent", instructions: str | None = None, **kwargs: Any) -> Agent:
        """An agent talking in this session (it becomes the one :meth:`chat` uses).

        ``memory`` may only change what is sent (``history``, ``max_messages``,
        ``max_tokens``); ``db`` defaults to the session's DbAdapter.
        """
        memory = kwargs.pop("memory", None)
        if kwargs.get("db") is None:
            kwargs["db"] = self._adapter
        agent = Agent(name, instructions, **kwargs)
        return self.add_agent(agent, memory=memory)

    def add_agent(self, agent: Agent, *, memory: Any = None) -> Agent:
        """Make an existing (not yet used) agent talk in this session."""
        self._live()
        agent.check_unused()
        if memory is None and agent.own_memory != MemoryConfig():
            memory = agent.own_memory  # its own settings (storage must match the session)
        memory_config = agent_memory(self.memory_config, memory)
        agent._bind(self._conversation, memory_config, self._middleware)
        self.agents.append(agent)
        self._agent = agent
        return agent

    @property
    def agent(self) -> Agent | None:
        """The agent :meth:`chat` talks to (the last one created or added)."""
        return self._agent

    def _chat_agent(self, agent: Agent | None) -> Agent:
        self._live()
        chosen = agent or self._agent
        if chosen is None:
            raise ConfigurationError(
                f"session {self.session_id!r} holds no agent: create one with session.Agent(...)"
            )
        if chosen.conversation is not self._conversation:
            raise ConfigurationError(f"agent {chosen.name!r} does not belong to this session")
        return chosen

    def chat(self, message: Any, *, agent: Agent | None = None, **llm_options: Any) -> str:
        """Send ``message`` to the session's agent (or ``agent``); returns the reply."""
        return self._chat_agent(agent).chat(message, **llm_options)

    async def chat_async(
        self, message: Any, *, agent: Agent | None = None, **llm_options: Any
    ) -> str:
        """:meth:`chat` for asyncio."""
        return await self._chat_agent(agent).achat(message, **llm_options)

    # --- state ------------------------------------------------------------------------

    def save_state(self, state: Mapping[str, Any] | None = None) -> None:
        """Replace the session's state with ``state``. State is stored as soon as it is
        set, so without an argument this only checks that the session is alive."""
        self._live()
        if state is not None:
            self.store.save_state(self.session_id, state, **self._key())

    def restore_state(self) -> dict[str, Any]:
        """The session's whole state ({} when nothing was saved)."""
        self._live()
        return self.store.load_state(self.session_id, **self._key())

    def get_state(self, key: str, default: Any = None) -> Any:
        """One key of the state, or ``default``."""
        self._live()
        return self.store.get_state_value(self.session_id, key, default, **self._key())

    def set_state(self, key: str, value: Any) -> None:
        """Set one key of the state (JSON values only)."""
        self._live()
        self.store.set_state_value(self.session_id, key, value, **self._key())

    def increment_state(self, key: str, increment: int | float = 1) -> int | float:
        """Add ``increment`` to a numeric key atomically (across processes); the new value."""
        self._live()
        return self.store.increment_state(self.session_id, key, increment, **self._key())

    # --- lifecycle --------------------------------------------------------------------

    def get_context(self) -> dict[str, Any]:
        """Facts about the session: ids, creation time, message count, expiry, agents."""
        self._live()
        info = self._conversation.refresh()
        return {
            "session_id": info.session_id,
            "user_id": info.user_id,
            "title": info.title,
            "created_at": info.created_at.isoformat(),
            "updated_at": info.updated_at.isoformat(),
            "expires_at": info.expires_at.isoformat() if info.expires_at else None,
            "message_count": info.message_count,
            "agents": [a.name for a in self.agents],
        }

    def is_expired(self) -> bool:
        """True once the session's TTL has passed."""
        info = self._conversation.info
        return info is not None and info.is_expired()

    def time_to_expiry(self) -> float | None:
        """Seconds until the session expires (0 once it has), or None without a TTL."""
        return self._conversation.time_to_expiry()

    def close(self) -> None:
        """Release the store's connections (if this session opened it). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._conversation.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- history ----------------------------------------------------------------------

    def get_history(self) -> list[dict[str, Any]]:
        """The whole stored conversation, oldest first, as model messages."""
        self._live()
        return [m.to_llm() for m in self.store.get_messages(self.session_id, **self._key())]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Same as :meth:`get_history`."""
        return self.get_history()

    def set_history(self, messages: Iterable[Message | Mapping[str, Any]]) -> None:
        """Replace the stored conversation with ``messages`` (all are checked first)."""
        self._live()
        checked = checked_messages(list(messages))
        self.store.clear_messages(self.session_id, **self._key())
        if checked:
            self.store.append_messages(self.session_id, checked, **self._key())

    def add_message(
        self,
        role: str | Message | Mapping[str, Any],
        content: Any = None,
        *,
        name: str | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
        tool_call_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Message:
        """Append one message (or a message dict); returns it with its index."""
        self._live()
        message = role
        if not isinstance(role, (Message, Mapping)):
            message = {
                "role": role,
                "content": content,
                "name": name,
                "tool_calls": tool_calls,
                "tool_call_id": tool_call_id,
                "metadata": dict(metadata or {}),
            }
        return self.store.append_message(self.session_id, message, **self._key())

    def get_messages_for_llm(
        self,
        max_tokens: int | None = None,
        *,
        max_messages: int | None = None,
        strategy: str = "recent",
    ) -> list[dict[str, Any]]:
        """The newest history that fits the budget; a tool call is never split from its
        results (see :func:`tether.context.select_messages`)."""
        from tether.context import select_messages

        return select_messages(
            self.get_history(), max_tokens=max_tokens, max_messages=max_messages, strategy=strategy
        )

    # --- checkpoints ------------------------------------------------------------------

    def create_checkpoint(self, label: str | None = None) -> str:
        """Record the history position and state; returns the checkpoint id."""
        self._live()
        return self.store.create_snapshot(self.session_id, label=label, **self._key()).snapshot_id

    def restore_checkpoint(self, checkpoint_id: str) -> None:
        """Drop the messages added after the checkpoint and restore its state."""
        self._live()
        self.store.revert_to_snapshot(self.session_id, checkpoint_id, **self._key())

    def list_checkpoints(self) -> list[Snapshot]:
        """The session's checkpoints, oldest first."""
        self._live()
        return self.store.list_snapshots(self.session_id, **self._key())

    # --- runs -------------------------------------------------------------------------

    def create_run(self, metadata: Mapping[str, Any] | None = None) -> RunHandle:
        """A new run of this session (saved as ``pending``); ``start()`` it."""
        self._live()
        return RunHandle(self.store, self.session_id, user_id=self.user_id, metadata=metadata)

    @property
    def runs(self) -> list[Run]:
        """Every run of this session (agent turns included), oldest first."""
        self._live()
        return self.store.list_runs(self.session_id, **self._key())

    # --- files ------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the whole session to ``path`` as JSON; returns the path."""
        self._live()
        export = self.store.export_session(self.session_id, **self._key())
        return str(write_session_file(path, export))

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        db: object | None = None,
        replace: bool = False,
        session_id: str | None = None,
        user_id: str | None = None,
        memory_config: Any = None,
        **kwargs: Any,
    ) -> Session:
        """Import a session written by :meth:`save` into a store (``db``, else the default)
        and open it. A session with the same id already in the store is an error unless
        ``replace=True``; ``session_id`` / ``user_id`` import it under another key."""
        export = read_session_file(path)
        if session_id is not None:
            export.info.session_id = session_id
        if user_id is not None:
            export.info.user_id = user_id
        sid, uid = export.info.session_id, export.info.user_id
        config, _ = session_memory(sid, uid, memory_config, db, None)
        store, owned = config.open_store()
        try:
            try:
                store.import_session(export, replace=replace)
            except SessionExistsError as exc:
                raise SessionExistsError(
                    f"{exc}; pass replace=True to overwrite it with {os.fspath(path)}, or "
                    "session_id=... to load it under another id"
                ) from exc
            session = cls(sid, uid, memory_config=memory_config, db=store, **kwargs)
        except BaseException:
            if owned:
                store.close()
            raise
        session._conversation.own_store()
        return session
