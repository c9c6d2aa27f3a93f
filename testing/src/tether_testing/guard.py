"""The guard against silently dropped or skipped kit tests.

* :func:`requires` marks a kit test as needing a capability; the kit skips it with a
  recognisable reason when the store declares that capability absent.
* :func:`check_subclass` (called from ``StoreConformance.__init_subclass__``) fails a subclass
  that deletes or overrides a kit test.
* :func:`judge_report` (called from the pytest plugin) turns any other skip or xfail of a
  kit test into a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
SKIP_PREFIX = "tether-kit: capability declared absent: "


class CapabilitySkip(Exception):
    """Raised by the kit's own skip (never by users)."""


def requires(*capabilities: str) -> Callable[[F], F]:
    """Mark a kit test as needing the named capabilities (fields of ``Capabilities``)."""

    def mark(test: F) -> F:
        test._tether_requires = capabilities  # type: ignore[attr-defined]
        return test

    return mark


def required_capabilities(test: Any) -> tuple[str, ...]:
    return getattr(test, "_tether_requires", ())


def kit_tests(kit: type) -> dict[str, Any]:
    """Every ``test_*`` function the kit defines, by name (through its mixins)."""
    found: dict[str, Any] = {}
    for klass in reversed(kit.__mro__):
        if klass.__module__.startswith("tether_testing"):
            found.update({n: v for n, v in vars(klass).items() if n.startswith("test_")})
    return found


def check_subclass(kit: type, subclass: type) -> None:
    """Raise TypeError if ``subclass`` drops or replaces a kit test."""
    if subclass.__module__.startswith("tether_testing"):
        return
    for name, test in kit_tests(kit).items():
        if getattr(subclass, name, None) is not test:
            raise TypeError(
                f"{subclass.__qualname__} removes or overrides the conformance test {name!r}. "
                "Kit tests may not be dropped: if the backend lacks a feature, declare the "
                "capability absent in its Capabilities instead."
            )


def judge_report(item: Any, report: Any) -> None:
    """Fail a skipped (or xfailed) kit test unless it was the kit's capability skip."""
    cls = getattr(item, "cls", None)
    if cls is None or not getattr(cls, "_tether_kit", False) or report.when == "teardown":
        return
    name = getattr(item, "originalname", None) or item.name
    if name not in kit_tests(cls):
        return
    if hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"conformance test {name} may not be marked xfail"
        del report.wasxfail
        return
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if SKIP_PREFIX not in reason:
            report.outcome = "failed"
            report.longrepr = (
                f"conformance test {name} was skipped ({reason.strip()}); kit tests may only "
                "be skipped by declaring the matching capability absent"
            )
