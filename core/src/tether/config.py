"""``MemoryConfig``: where an agent's conversation lives, and how ``memory=`` is read.

``Agent(memory=...)`` accepts:

* ``None`` or ``True``: history kept in this process only (a private ``memory://`` store).
* ``False``: no history is sent to the model (turns are still recorded in-process).
* a dict such as ``{"session_id": "s1"}`` or ``{"session_id": "s1", "db": URL}``: the keys of
  :class:`MemoryConfig`.
* a :class:`MemoryConfig`.

A configuration with a ``session_id``, ``auto_save`` name, ``db`` URL, ``backend`` or
``store`` is persistent: it uses that store (the default file store when only a name is
given), so a new process with the same session id continues the conversation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from tether.errors import ConfigurationError, InvalidInputError
from tether.ids import DEFAULT_USER_ID, validate_id, validate_user_id

if TYPE_CHECKING:
    from tether.stores.base import SessionStore

IN_PROCESS_URL = "memory://"
"""A private in-process space: each store opened with exactly this URL is a new one."""


@dataclass
class MemoryConfig:
    """How an agent remembers a conversation.

    ``max_messages`` and ``max_tokens`` bound what is *sent* to the model each turn (through
    :func:`tether.context.select_messages`); everything is always stored.
    """

    session_id: str | None = None
    """The conversation to continue (created on first use)."""
    user_id: str | None = None
    """Owner of the session; the same session id under two users is two conversations."""
    backend: str | None = None
    """A store backend name (``"file"``, ``"sqlite"``, ``"postgres"``, ...)."""
    db: str | None = None
    """A store URL (``sqlite:///chat.db``, ``postgresql://...``, ``memory://``)."""
    auto_save: str | None = None
    """Persist under this session name after every turn (a name for ``session_id``)."""
    history: bool = True
    """Send earlier turns to the model. False still stores every turn."""
    max_messages: int | None = None
    """Send at most this many messages of context per request (newest kept)."""
    max_tokens: int | None = None
    """Send at most about this many tokens of context."""
    ttl: float | None = None
    """Seconds until a newly created session expires (None: never)."""
    title: str | None = None
    """Title given to a newly created session."""
    store: SessionStore | None = field(default=None, repr=False)
    """An already open store to use (it is not closed by the agent)."""
    store_options: dict[str, Any] = field(default_factory=dict)
    """Extra options passed to the backend when the store is opened."""

    def __post_init__(self) -> None:
        if self.session_id is not None:
            validate_id(self.session_id)
        if self.auto_save is not None:
            validate_id(self.auto_save, "auto_save session name")
            if self.session_id is not None and self.session_id != self.auto_save:
                raise ConfigurationError(
                    f"MemoryConfig got session_id={self.session_id!r} and "
                    f"auto_save={self.auto_save!r}; give one session name, not two"
                )
        if self.user_id is not None:
            validate_user_id(self.user_id)
        for name in ("max_messages", "max_tokens"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise InvalidInputError(f"{name} must be a non-negative integer, not {value!r}")
        if self.ttl is not None and (
            isinstance(self.ttl, bool) or not isinstance(self.ttl, (int, float)) or self.ttl < 0
        ):
            raise InvalidInputError(
                f"ttl must be a non-negative number of seconds, not {self.ttl!r}"
            )
        if not isinstance(self.history, bool):
            raise InvalidInputError(f"history must be True or False, not {self.history!r}")
        if self.store is not None and (self.db is not None or self.backend is not None):
            raise ConfigurationError("give MemoryConfig either store= or db=/backend=, not both")

    @property
    def name(self) -> str | None:
        """The session name given (``session_id`` or ``auto_save``), if any."""
        return self.session_id or self.auto_save

    @property
    def persistent(self) -> bool:
        """True when the conversation goes to a store chosen by the user."""
        return any(
            value is not None
            for value in (self.session_id, self.auto_save, self.db, self.backend, self.store)
        )

    @property
    def owner(self) -> str:
        """The user id to use (``default_user`` when none was given)."""
        return self.user_id or DEFAULT_USER_ID

    def open_store(self) -> tuple[SessionStore, bool]:
        """The store to use and whether the caller owns it (and must close it)."""
        if self.store is not None:
            return self.store, False
        from tether.stores.registry import open_store

        if not self.persistent:
            return open_store(IN_PROCESS_URL), True
        return open_store(self.db, backend=self.backend, **self.store_options), True


_FIELDS = tuple(f.name for f in fields(MemoryConfig))


def resolve_memory(memory: object) -> MemoryConfig:
    """Turn what ``Agent(memory=...)`` accepts into a :class:`MemoryConfig`."""
    if memory is None or memory is True:
        return MemoryConfig()
    if memory is False:
        return MemoryConfig(history=False)
    if isinstance(memory, MemoryConfig):
        return memory
    if isinstance(memory, Mapping):
        unknown = sorted(str(k) for k in memory if k not in _FIELDS)
        if unknown:
            raise ConfigurationError(
                f"unknown memory option(s) {', '.join(map(repr, unknown))}; "
                f"accepted: {', '.join(_FIELDS)}"
            )
        return MemoryConfig(**dict(memory))
    raise ConfigurationError(
        f"memory= takes None, True, False, a dict or a MemoryConfig, not {type(memory).__name__}"
    )
