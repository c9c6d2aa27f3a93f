"""Store options: from the URL's query string and keyword arguments.

tether's own options (``database``, ``reap_after``, ``bulk_write``) are removed from the URL
before it reaches pymongo; every other query parameter or keyword argument is a
``MongoClient`` option (``replicaSet``, ``authSource``, ``tls``, ``serverSelectionTimeoutMS``...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from tether.errors import ConfigurationError
from tether.stores.url import mask_url

SCHEMES = ("mongodb", "mongodb+srv")
DEFAULT_DATABASE = "tether"
DEFAULT_REAP_AFTER = 3600
"""Seconds the server's TTL monitor waits after a session expires before it deletes the
session document (reads hide it at once; ``purge_expired`` removes it with its messages)."""
CLIENT_DEFAULTS = {"serverSelectionTimeoutMS": 5000, "appname": "tether"}
"""MongoClient defaults that differ from pymongo's (its 30 s server selection is long for a
store that should report an unreachable server quickly). The URL or a keyword overrides them."""
_FORBIDDEN_DB_CHARS = set('/\\. "$*<>:|?\x00')


@dataclass(frozen=True)
class MongoConfig:
    """Everything a store needs to connect, parsed once and shared by its async twin."""

    client_url: str
    """The URL given to pymongo: the user's URL without tether's own options."""
    database: str
    where: str
    """The URL with its password masked, for error messages."""
    client_options: dict[str, Any] = field(default_factory=dict)
    reap_after: int = DEFAULT_REAP_AFTER
    bulk_write: bool | None = None
    """False: append with an insert and an update even where the server has ``bulkWrite``."""


def parse(url: str, options: dict[str, Any]) -> MongoConfig:
    """Split ``url`` and keyword ``options`` into tether's options and pymongo's."""
    where = mask_url(url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise ConfigurationError(f"{where!r} is not a MongoDB URL (mongodb:// or mongodb+srv://)")
    query = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in query if k in ("database", "reap_after", "bulk_write")}
    kept = [(k, v) for k, v in query if k not in ours]
    kwargs = dict(options)
    from_path = unquote(parts.path.lstrip("/"))
    database = _database(from_path, ours.get("database"), kwargs.pop("database", None), where)
    reap_after = _seconds(kwargs.pop("reap_after", ours.get("reap_after")), where)
    bulk_write = _flag(kwargs.pop("bulk_write", ours.get("bulk_write")), where)
    given = {k.lower() for k, _ in kept} | {k.lower() for k in kwargs}
    client_options = {k: v for k, v in CLIENT_DEFAULTS.items() if k.lower() not in given}
    client_options.update(kwargs)
    client_url = urlunsplit(parts._replace(query=urlencode(kept), fragment=""))
    return MongoConfig(client_url, database, where, client_options, reap_after, bulk_write)


def _database(from_path: str, from_query: str | None, from_kwarg: Any, where: str) -> str:
    named = {v for v in (from_path, from_query, from_kwarg) if v}
    if len(named) > 1:
        raise ConfigurationError(
            f"{where!r} names more than one database ({', '.join(sorted(map(str, named)))})"
        )
    name = named.pop() if named else DEFAULT_DATABASE
    if not isinstance(name, str) or len(name.encode()) > 63 or set(name) & _FORBIDDEN_DB_CHARS:
        raise ConfigurationError(
            f"{name!r} is not a valid MongoDB database name (at most 63 bytes, none of "
            f'/\\. "$*<>:|? ) in {where!r}'
        )
    return name


def _flag(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("auto", ""):
        return None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"bulk_write must be auto, true or false, not {value!r} ({where})")


def _seconds(value: Any, where: str) -> int:
    if value is None:
        return DEFAULT_REAP_AFTER
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = -1
    if isinstance(value, bool) or seconds < 0:
        raise ConfigurationError(
            f"reap_after must be a whole number of seconds >= 0, not {value!r} ({where})"
        )
    return seconds
