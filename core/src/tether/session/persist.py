"""``Session.save(path)`` / ``Session.load(path)``: a session as one JSON file.

The file holds a format name, a ``schema_version`` and the session's export (info, full
history, state, snapshots, runs). Pickle files are refused without being unpickled:
unpickling runs whatever code the file names.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tether.errors import CorruptDataError, InvalidInputError, SchemaVersionError
from tether.models import SessionExport, utcnow

FORMAT = "tether-session"
SCHEMA_VERSION = 1


def write_session_file(path: str | os.PathLike[str], export: SessionExport) -> Path:
    """Write ``export`` to ``path`` atomically (a crash leaves the old file or the new one)."""
    target = Path(path)
    document = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "saved_at": utcnow().isoformat(),
        "session": export.model_dump(mode="json"),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_session_file(path: str | os.PathLike[str]) -> SessionExport:
    """Read what :func:`write_session_file` wrote; refuse pickles and foreign files."""
    raw = Path(path).read_bytes()
    if _looks_pickled(raw):
        raise InvalidInputError(
            f"{os.fspath(path)} is a pickle file; tether refuses to unpickle it (unpickling can "
            "run arbitrary code). Session files are JSON: write them with Session.save()."
        )
    try:
        document: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptDataError(f"{os.fspath(path)} is not a tether session file: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CorruptDataError(
            f'{os.fspath(path)} is not a tether session file (no "format": "{FORMAT}")'
        )
    version = document.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise CorruptDataError(f"{os.fspath(path)} has no valid schema_version")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{os.fspath(path)} has schema_version {version}; this tether reads up to "
            f"{SCHEMA_VERSION}. Upgrade tether to load it."
        )
    try:
        return SessionExport.model_validate(document.get("session"))
    except ValidationError as exc:
        raise CorruptDataError(
            f"{os.fspath(path)} holds an invalid session: {exc.errors()[0]['msg']}"
        ) from exc


def _looks_pickled(raw: bytes) -> bool:
    """Pickle protocol 2+ starts with PROTO (0x80); protocols 0-1 end with STOP ('.')."""
    if raw[:1] == b"\x80":
        return True
    stripped = raw.strip()
    return stripped.endswith(b".") and stripped[:1] not in (b"{", b"[")
