"""The module the ``tether`` entry point names: the hook implementation only (no pymongo)."""

from __future__ import annotations

from typing import Any

from tether import hookimpl


def open_mongodb_store(url: str, **options: Any):
    """Open a :class:`~tether_mongodb.store.MongoStore`; pymongo is imported here, not before."""
    from tether_mongodb.store import MongoStore

    return MongoStore(url, **options)


@hookimpl
def register_session_stores(register):
    register(
        "mongodb",
        ("mongodb", "mongodb+srv"),
        open_mongodb_store,
        description="MongoDB (pymongo): one document per message, native async",
    )
