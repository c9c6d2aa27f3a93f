"""The data model shared by every backend: messages, sessions, snapshots, runs.

Backends persist :class:`Message` with :func:`tether.codec.dump_message`, so whatever a
message holds (unicode, tool calls, metadata, megabytes of content) round-trips unchanged.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from tether.ids import DEFAULT_USER_ID, new_sortable_id

Role = Literal["system", "user", "assistant", "tool"]
RunStatus = Literal["pending", "running", "completed", "failed"]
T = TypeVar("T")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, microsecond precision."""
    return datetime.now(timezone.utc)


class Message(BaseModel):
    """One chat message. ``index`` is its position in the session, assigned by the store."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=new_sortable_id)
    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    metadata: dict[str, Any] = Field(default_factory=dict)
    index: int | None = None

    def to_llm(self) -> dict[str, Any]:
        """The OpenAI-style dict sent to a model (only the fields a model understands)."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.name is not None:
            out["name"] = self.name
        if self.tool_calls:
            out["tool_calls"] = self.tool_calls
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        return out


class SessionInfo(BaseModel):
    """What a store knows about one session (without its messages).

    ``message_count`` is how many messages are stored now; ``next_index`` is the index the
    next appended message gets. Indexes only move backwards on a revert, so after a clear or
    a retention trim ``next_index`` can exceed ``message_count``. A fork records its
    ``parent_id`` and ``fork_index`` (how many of the parent's positions it started with).
    """

    session_id: str
    user_id: str = DEFAULT_USER_ID
    agent_name: str | None = None
    title: str | None = None
    parent_id: str | None = None
    fork_index: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    message_count: int = 0
    next_index: int = 0
    metadata: dict[str, Any] = Field(default_factory=dict)

    def is_expired(self, now: datetime | None = None) -> bool:
        """True once ``expires_at`` has passed."""
        return self.expires_at is not None and self.expires_at <= (now or utcnow())


class Snapshot(BaseModel):
    """A named point in a session: the first ``position`` messages and the state then."""

    snapshot_id: str = Field(default_factory=new_sortable_id)
    session_id: str
    label: str | None = None
    position: int
    state: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utcnow)


class Span(BaseModel):
    """A timed step inside a run (an LLM call, a tool call, ...)."""

    name: str
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class Usage(BaseModel):
    """Token usage reported by a model."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class Run(BaseModel):
    """One agent execution inside a session."""

    run_id: str = Field(default_factory=new_sortable_id)
    session_id: str
    status: RunStatus = "pending"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    usage: Usage = Field(default_factory=Usage)
    error: str | None = None
    spans: list[Span] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def duration(self) -> float | None:
        """Seconds between start and end (or now, while running); None before start."""
        if self.started_at is None:
            return None
        return ((self.ended_at or utcnow()) - self.started_at).total_seconds()


class Page(BaseModel, Generic[T]):
    """One page of a listing; pass ``next_cursor`` back to get the following page."""

    items: list[T]
    next_cursor: str | None = None


class SessionExport(BaseModel):
    """Everything of one session, for export, import and migration between backends."""

    format_version: int = 1
    info: SessionInfo
    messages: list[Message] = Field(default_factory=list)
    state: dict[str, Any] = Field(default_factory=dict)
    records: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    """Records by kind (``snapshot``, ``run``), oldest first."""
