"""Store URLs: scheme lookup, options in the query string, and password masking."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit, urlunsplit


def scheme_of(url: str) -> str:
    """The URL's scheme, lower-cased, without a ``+driver`` suffix (``postgresql+psycopg``)."""
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    return scheme.split("+", 1)[0] if scheme not in ("mongodb+srv",) else scheme


def query_options(url: str) -> dict[str, str]:
    """The query string of ``url`` as a dict (last value wins)."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def without_query(url: str) -> str:
    """``url`` with its query string removed."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe to show in errors and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    if parts.password is None:
        return url
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostinfo}"))
