"""Runs: one tracked execution inside a session (an agent turn, or work you time yourself).

Agents record a :class:`~tether.models.Run` for every turn. :class:`RunHandle` is what
``session.create_run()`` returns: it saves the run to the session's store at every change
of status, so ``session.runs`` (and other processes) see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tether.errors import InvalidInputError
from tether.ids import DEFAULT_USER_ID
from tether.models import Run, Span, Usage, utcnow

if TYPE_CHECKING:
    from tether.stores.base import SessionStore


def start_run(run: Run) -> Run:
    """Mark ``run`` as running from now."""
    if run.status != "pending":
        raise InvalidInputError(f"run {run.run_id} has already started (status {run.status})")
    run.status = "running"
    run.started_at = utcnow()
    return run


def complete_run(run: Run, usage: Usage | None = None) -> Run:
    """Mark ``run`` as completed now (started now if it never was), adding ``usage``."""
    _end(run, "completed")
    if usage is not None:
        run.usage = add_usage(run.usage, usage)
    return run


def fail_run(run: Run, error: BaseException | str) -> Run:
    """Mark ``run`` as failed now, recording the error as text."""
    _end(run, "failed")
    run.error = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return run


def _end(run: Run, status: str) -> None:
    if run.status in ("completed", "failed"):
        raise InvalidInputError(f"run {run.run_id} has already ended (status {run.status})")
    if run.status == "pending":
        start_run(run)
    run.status = status  # type: ignore[assignment]
    run.ended_at = utcnow()


def add_usage(total: Usage, more: Usage | None) -> Usage:
    """The sum of two usages (``more`` may be None)."""
    if more is None:
        return total
    return Usage(
        prompt_tokens=total.prompt_tokens + more.prompt_tokens,
        completion_tokens=total.completion_tokens + more.completion_tokens,
        total_tokens=total.total_tokens + more.total_tokens,
    )


def usage_of(value: object) -> Usage | None:
    """Read a model's usage report (a Usage, a dict or an object with token attributes)."""
    if value is None or isinstance(value, Usage):
        return value
    if isinstance(value, dict):
        return Usage.model_validate(value)
    return Usage(
        prompt_tokens=getattr(value, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(value, "completion_tokens", 0) or 0,
        total_tokens=getattr(value, "total_tokens", 0) or 0,
    )


def end_span(span: Span, **attributes: Any) -> Span:
    """Close ``span`` now, adding ``attributes``."""
    span.ended_at = utcnow()
    span.attributes.update(attributes)
    return span


class RunHandle:
    """A run you drive yourself: ``start()``, then ``complete()`` or ``fail()``.

    Also a context manager: ``with session.create_run() as run:`` starts it, fails it if the
    block raises, and completes it otherwise.
    """

    def __init__(
        self,
        store: SessionStore,
        session_id: str,
        *,
        user_id: str = DEFAULT_USER_ID,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._store = store
        self._user_id = user_id
        self.run = Run(session_id=session_id, metadata=dict(metadata or {}))
        self._save()

    def __repr__(self) -> str:
        return f"<RunHandle {self.id} {self.status}>"

    @property
    def id(self) -> str:
        """The run id."""
        return self.run.run_id

    run_id = id

    @property
    def status(self) -> str:
        """``pending``, ``running``, ``completed`` or ``failed``."""
        return self.run.status

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (to now while running); None before start."""
        return self.run.duration

    @property
    def usage(self) -> Usage:
        """Tokens recorded for this run."""
        return self.run.usage

    def start(self) -> RunHandle:
        """Mark the run as running."""
        start_run(self.run)
        self._save()
        return self

    def complete(self, tokens_used: int | None = None, *, usage: Usage | None = None) -> RunHandle:
        """Mark the run as completed; ``tokens_used`` is a total token count."""
        if tokens_used is not None:
            if isinstance(tokens_used, bool) or not isinstance(tokens_used, int) or tokens_used < 0:
                raise InvalidInputError(
                    f"tokens_used must be a non-negative integer, not {tokens_used!r}"
                )
            usage = add_usage(usage or Usage(), Usage(total_tokens=tokens_used))
        complete_run(self.run, usage)
        self._save()
        return self

    def fail(self, error: BaseException | str) -> RunHandle:
        """Mark the run as failed with ``error``."""
        fail_run(self.run, error)
        self._save()
        return self

    def _save(self) -> None:
        self._store.save_run(self.run, user_id=self._user_id)

    def __enter__(self) -> RunHandle:
        if self.run.status == "pending":
            self.start()
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if self.run.status != "running":
            return
        if exc is not None:
            self.fail(exc)
        else:
            self.complete()
