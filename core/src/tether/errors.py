"""The exceptions tether raises.

Every error derives from :class:`TetherError`, so ``except TetherError`` catches anything
tether raises on purpose. Each one also derives from the closest built-in exception
(``ValueError``, ``LookupError``, ``ConnectionError``, ``TimeoutError``) so code written
against the standard library keeps working.
"""

from __future__ import annotations


class TetherError(Exception):
    """Base class of every error tether raises."""


# --- bad input -------------------------------------------------------------------------


class InvalidInputError(TetherError, ValueError):
    """An argument has the wrong type or value. Nothing was changed."""


class InvalidSessionIdError(InvalidInputError):
    """A session, user or snapshot id is empty, too long, or has characters outside the allowed
    set (which rules out path traversal such as ``../../etc/passwd``)."""


class InvalidMessageError(InvalidInputError):
    """A message is malformed (unknown role, wrong content type, ...)."""


class NotJSONSerializableError(InvalidInputError):
    """Metadata or state holds a value that cannot be stored as JSON."""


# --- lookups ---------------------------------------------------------------------------


class NotFoundError(TetherError, LookupError):
    """Something that was asked for does not exist."""


class SessionNotFoundError(NotFoundError):
    """No session with this id exists for this user (or it has expired)."""


class SessionExpiredError(SessionNotFoundError):
    """The session existed but its TTL has passed; it refuses reads and writes."""


class SnapshotNotFoundError(NotFoundError):
    """No snapshot with this id exists in the session."""


class SessionExistsError(TetherError):
    """A session with this id already exists for this user."""


# --- configuration and plugins ---------------------------------------------------------


class ConfigurationError(TetherError, ValueError):
    """The configuration cannot work (for example two options that exclude each other)."""


class UnknownBackendError(ConfigurationError):
    """No installed plugin handles this URL scheme or backend name."""


class PluginError(TetherError):
    """A plugin failed to load or registered something invalid."""


class CapabilityError(TetherError, NotImplementedError):
    """The backend does not support this operation (see its capability flags)."""


# --- storage ---------------------------------------------------------------------------


class StoreError(TetherError):
    """A storage backend failed."""


class StoreUnavailableError(StoreError, ConnectionError):
    """The backend's server cannot be reached. The message names the URL, password masked."""


class StoreAuthenticationError(StoreUnavailableError):
    """The backend's server refused the credentials."""


class LockTimeoutError(StoreError, TimeoutError):
    """A cross-process lock could not be acquired within ``lock_timeout`` seconds."""


class CorruptDataError(StoreError):
    """Stored data could not be read back. The data is left untouched for inspection."""


class SchemaVersionError(StoreError):
    """The stored schema is newer than this version of the backend understands."""


# --- agents and LLMs -------------------------------------------------------------------


class LLMError(TetherError):
    """The language model provider failed or is misconfigured."""


class RemoteAgentError(TetherError):
    """A remote agent answered with an error."""
