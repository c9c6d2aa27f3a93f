"""Driving step generators: code written once as a generator that yields requests (SQL, Redis
commands, store calls) and receives their replies, run by a sync and an async driver."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any


def advance(
    steps: Generator[Any, Any, Any], reply: Any, error: BaseException | None
) -> tuple[bool, Any]:
    """Resume ``steps`` with the last reply, or raise ``error`` inside it (so it may handle a
    failed request). Returns ``(True, result)`` once it has finished, else
    ``(False, next request)``."""
    try:
        request = steps.send(reply) if error is None else steps.throw(error)
    except StopIteration as done:
        return True, done.value
    return False, request
