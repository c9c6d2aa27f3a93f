"""The file store's settings, from keyword options and the URL's query string."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from tether.errors import ConfigurationError
from tether.stores.url import bool_option, check_known, query_options, seconds_option


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
