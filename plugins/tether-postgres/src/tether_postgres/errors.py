"""Turning psycopg and pool exceptions into tether's typed errors (password masked)."""

from __future__ import annotations

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import PoolClosed, PoolTimeout

from tether.errors import (
    InvalidInputError,
    NotJSONSerializableError,
    StoreAuthenticationError,
    StoreError,
    StoreUnavailableError,
    TetherError,
)
from tether_postgres.config import Settings

_AUTH_SQLSTATES = {"28000", "28P01"}
_AUTH_PHRASES = (
    "password authentication failed",
    "authentication failed",
    "no password supplied",
    "no pg_hba.conf entry",
    'role "',  # role "x" does not exist
)


def is_auth_failure(exc: BaseException) -> bool:
    """True if the server refused the credentials (wrong password, unknown role)."""
    if getattr(exc, "sqlstate", None) in _AUTH_SQLSTATES:
        return True
    text = str(exc)
    return any(phrase in text for phrase in _AUTH_PHRASES) and "FATAL" in text


def is_connection_lost(exc: BaseException) -> bool:
    """True if the connection broke or could not be made: no server error code (a client
    side failure), a connection exception (08xxx) or the server shutting the session down
    (57P01-57P03). Not for pool timeouts, refused credentials, deadlocks or cancels."""
    if isinstance(exc, (PoolTimeout, PoolClosed)) or not isinstance(exc, psycopg.OperationalError):
        return False
    code = getattr(exc, "sqlstate", None)
    if code is None:
        return not is_auth_failure(exc)
    return code.startswith("08") or code in ("57P01", "57P02", "57P03")


def translate(exc: Exception, settings: Settings) -> TetherError:
    """The tether error for ``exc`` (raise it ``from exc``)."""
    where = settings.masked_url
    detail = _detail(exc)
    if isinstance(exc, PoolTimeout):
        return StoreUnavailableError(
            f"no PostgreSQL connection to {where} within {settings.pool_timeout:g} s "
            f"(server down or every pooled connection busy): {detail}"
        )
    if isinstance(exc, PoolClosed):
        return StoreError(f"the PostgreSQL store for {where} is closed")
    if is_auth_failure(exc):
        return StoreAuthenticationError(f"PostgreSQL at {where} refused the credentials: {detail}")
    if is_connection_lost(exc):
        return StoreUnavailableError(f"PostgreSQL at {where} is unavailable: {detail}")
    if isinstance(exc, pg_errors.UntranslatableCharacter):
        return NotJSONSerializableError(
            "PostgreSQL JSONB cannot store the NUL character (\\u0000) in state, metadata "
            "or record fields"
        )
    if isinstance(exc, (psycopg.DataError, pg_errors.IntegrityError)):
        return InvalidInputError(f"PostgreSQL rejected a value: {detail}")
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return StoreAuthenticationError(f"PostgreSQL at {where} denied access: {detail}")
    return StoreError(f"PostgreSQL error at {where}: {detail}")


def _detail(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(line.strip() for line in text.splitlines() if line.strip())
