"""The file store's settings, from keyword options and the URL's query string.

``bool_option`` and ``seconds_option`` are shared with the SQLite store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from tether.errors import ConfigurationError
from tether.stores.url import query_options

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class FileOptions:
    root: Path
    fsync: bool = False
    lock_timeout: float = 10.0


def parse_options(url: str, fsync: object = None, lock_timeout: object = None) -> FileOptions:
    """Read ``file:///abs/dir?fsync=1&lock_timeout=5``; keyword options win over the query."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise ConfigurationError(f"the file store needs a file:// URL, not {url!r}")
    query = query_options(url)
    check_known(query, {"fsync", "lock_timeout"}, url, "file store")
    if parts.netloc in ("", "localhost"):
        root = Path(url2pathname(parts.path))
    else:  # file://relative/dir or file://./dir
        root = Path(unquote(parts.netloc + parts.path))
    return FileOptions(
        root=root.expanduser(),
        fsync=bool_option(query.get("fsync") if fsync is None else fsync, "fsync"),
        lock_timeout=seconds_option(
            query.get("lock_timeout", 10.0) if lock_timeout is None else lock_timeout,
            "lock_timeout",
        ),
    )


def check_known(query: dict[str, str], known: set[str], url: str, what: str) -> None:
    """Reject query options a store does not understand (a typo must not pass silently)."""
    unknown = set(query) - known
    if unknown:
        raise ConfigurationError(
            f"unknown {what} option(s) {sorted(unknown)} in {url!r}; known: {sorted(known)}"
        )


def bool_option(value: object, name: str) -> bool:
    """A boolean option given as a bool or as URL text (1/0, true/false, yes/no, on/off)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigurationError(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def seconds_option(value: object, name: str) -> float:
    """A non-negative number of seconds, given as a number or as URL text."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigurationError(f"{name} must be a number of seconds, not {value!r}") from None
    if isinstance(value, bool) or not seconds >= 0:
        raise ConfigurationError(f"{name} must be a non-negative number of seconds, not {value!r}")
    return seconds
