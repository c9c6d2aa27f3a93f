"""Store options: parsed from the URL's query string and keyword arguments.

Options tether reads (keyword arguments win over the URL):

* ``schema``: the PostgreSQL schema holding the tables (default ``public``).
* ``min_size`` / ``max_size``: connection pool bounds (default 1 and 10).
* ``pool_timeout``: seconds to wait for a pooled connection (default 10).
* ``migrate``: apply pending schema migrations on first use (default true).
* ``prepare_threshold``: executions before psycopg prepares a statement server-side
  (default 5; ``none`` never prepares, for poolers that cannot keep prepared statements).

Every other query parameter (``sslmode``, ``connect_timeout``, ``application_name``, ...)
goes to libpq unchanged; ``connect_timeout`` defaults to 5 seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from tether.errors import ConfigurationError
from tether.stores.url import mask_url

SCHEMES = ("postgresql", "postgres")
DEFAULT_CONNECT_TIMEOUT = "5"
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_FALSE = {"0", "false", "no", "off"}
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything a PostgreSQL store needs to connect, in parsed form."""

    url: str
    conninfo: str
    schema: str
    min_size: int = 1
    max_size: int = 10
    pool_timeout: float = 10.0
    migrate: bool = True
    prepare_threshold: int | None = 5

    @property
    def connection_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of every pooled psycopg connection."""
        return {"autocommit": True, "prepare_threshold": self.prepare_threshold}

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)


def parse(url: str, options: dict[str, Any]) -> Settings:
    """Split ``url`` and ``options`` into tether settings and a libpq connection string."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower().split("+", 1)[0]
    if scheme not in SCHEMES:
        raise ConfigurationError(f"not a PostgreSQL URL: {mask_url(url)!r}")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    ours = {name: query.pop(name) for name in list(query) if name in _OPTIONS}
    unknown = set(options) - set(_OPTIONS)
    if unknown:
        raise ConfigurationError(
            f"unknown PostgreSQL store option(s) {sorted(unknown)}; known: {sorted(_OPTIONS)}"
        )
    ours.update(options)
    query.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
    libpq_query = urlencode(query, quote_via=quote)  # libpq reads "+" literally
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, libpq_query, ""))
    _check_conninfo(conninfo, url)
    values = {name: convert(ours[name], name) for name, convert in _OPTIONS.items() if name in ours}
    values.setdefault("schema", "public")
    settings = Settings(url=url, conninfo=conninfo, **values)
    if settings.min_size > settings.max_size:
        raise ConfigurationError(
            f"min_size ({settings.min_size}) is larger than max_size ({settings.max_size})"
        )
    return settings


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _check_conninfo(conninfo: str, url: str) -> None:
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(conninfo)
    except ProgrammingError as exc:
        raise ConfigurationError(f"invalid PostgreSQL URL {mask_url(url)!r}: {exc}") from exc


def _schema(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _SCHEMA_NAME.fullmatch(value):
        raise ConfigurationError(
            f"{name} must be 1-63 letters, digits or underscores, not starting with a digit "
            f"(got {value!r})"
        )
    return value


def _count(value: Any, name: str) -> int:
    return _number(value, name, "a whole number, at least 0", int, 0)


def _size(value: Any, name: str) -> int:
    return _number(value, name, "a whole number, at least 1", int, 1)


def _seconds(value: Any, name: str) -> float:
    return _number(value, name, "a positive number of seconds", float, 1e-9)


def _threshold(value: Any, name: str) -> int | None:
    if value is None or str(value).strip().lower() in ("none", "off"):
        return None
    return _count(value, name)


def _number(value: Any, name: str, what: str, kind: type, least: float) -> Any:
    try:
        number = None if isinstance(value, bool) else kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not number >= least:
        raise ConfigurationError(f"{name} must be {what}, not {value!r}")
    return number


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


_OPTIONS = {
    "schema": _schema,
    "min_size": _count,
    "max_size": _size,
    "pool_timeout": _seconds,
    "migrate": _bool,
    "prepare_threshold": _threshold,
}
