"""The module the ``tether`` entry point names: hook implementations only, no driver import."""

from __future__ import annotations

from typing import Any

from tether import hookimpl


def open_example_store(url: str, **options: Any):
    """Factory called by ``tether.open_store("example://...")``. Import the driver here."""
    from tether_example.store import ExampleStore

    return ExampleStore(url, **options)


@hookimpl
def register_session_stores(register):
    register(
        "example",
        ("example",),
        open_example_store,
        description="Template backend: in-process, one space per example://NAME",
    )
