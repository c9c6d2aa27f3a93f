"""Store URLs: scheme lookup, options in the query string, and password masking."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit, urlunsplit

from tether.errors import ConfigurationError

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


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
