"""How a :class:`~tether.session.Session` picks its store and what its agents send."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tether.config import MemoryConfig, resolve_memory
from tether.errors import ConfigurationError, InvalidInputError
from tether.hookspecs import ADAPTER_HOOKS
from tether.ids import new_session_id, validate_id, validate_user_id
from tether.stores.base import SessionStore

_SEND_FIELDS = ("history", "max_messages", "max_tokens")
_STORAGE_FIELDS = ("session_id", "user_id", "backend", "db", "auto_save", "ttl", "title", "store")


def check_ttl(session_ttl: object) -> float | None:
    """``session_ttl`` as seconds; negative or non-numeric raises ``InvalidInputError``."""
    if session_ttl is None:
        return None
    if isinstance(session_ttl, bool) or not isinstance(session_ttl, (int, float)):
        raise InvalidInputError(
            f"session_ttl must be a number of seconds, not {type(session_ttl).__name__}"
        )
    if session_ttl < 0:
        raise InvalidInputError(f"session_ttl must not be negative (got {session_ttl})")
    return session_ttl


def split_db(db: object) -> tuple[dict[str, Any], object | None]:
    """``Session(db=...)``: a store URL, an open store, or a DbAdapter for its agents."""
    if db is None:
        return {}, None
    if isinstance(db, str):
        return {"db": db}, None
    if isinstance(db, SessionStore):
        return {"store": db}, None
    if any(callable(getattr(db, hook, None)) for hook in ADAPTER_HOOKS):
        return {}, db
    raise ConfigurationError(
        f"Session(db=...) takes a store URL, a SessionStore or a DbAdapter, not {type(db).__name__}"
    )


def session_memory(
    session_id: str | None,
    user_id: str | None,
    memory_config: object,
    db: object,
    session_ttl: float | None,
) -> tuple[MemoryConfig, object | None]:
    """The session's MemoryConfig (always persistent) and the DbAdapter, if any."""
    base = resolve_memory(memory_config) if memory_config is not None else MemoryConfig()
    storage, adapter = split_db(db)
    if storage and any(getattr(base, f) is not None for f in ("db", "backend", "store")):
        raise ConfigurationError("give the store as db= or in memory_config, not both")
    for name, given in (("session_id", session_id), ("user_id", user_id)):
        inner = getattr(base, name)
        if given is not None and inner is not None and inner != given:
            raise ConfigurationError(
                f"Session got {name}={given!r} and memory_config {name}={inner!r}"
            )
    sid = session_id if session_id is not None else base.name or new_session_id()
    config = replace(
        base,
        session_id=validate_id(sid),
        auto_save=None,
        user_id=validate_user_id(user_id) if user_id is not None else base.user_id,
        ttl=session_ttl if session_ttl is not None else base.ttl,
        **storage,
    )
    return config, adapter


def agent_memory(session: MemoryConfig, memory: object) -> MemoryConfig:
    """What an agent of the session sends: the session's settings, or ``memory``'s
    ``history`` / ``max_messages`` / ``max_tokens``. Storage always comes from the session."""
    if memory is None or memory is True:
        return session
    own = resolve_memory(memory)
    for name in _STORAGE_FIELDS:
        value = getattr(own, name)
        if value is not None and value != getattr(session, name):
            raise ConfigurationError(
                f"an agent of a session stores in the session's conversation; its memory "
                f"cannot set {name}={value!r} (only {', '.join(_SEND_FIELDS)})"
            )
    return replace(session, **{name: getattr(own, name) for name in _SEND_FIELDS})
