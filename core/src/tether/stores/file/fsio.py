"""Small file operations: atomic replacement, JSON documents, removing a session folder."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from tether.errors import CorruptDataError


def to_json_bytes(value: Any, *, indent: int | None = None) -> bytes:
    """UTF-8 JSON, unicode kept readable (escaped only when it holds lone surrogates)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, indent=indent, allow_nan=False).encode()


def read_json(path: Path) -> Any:
    """The parsed document at ``path``; None when the file does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return parse_json(data, path)


def parse_json(data: bytes, path: Path) -> Any:
    """Parse the bytes read from ``path``; damage raises :class:`CorruptDataError`."""
    try:
        return json.loads(data)
    except ValueError as exc:
        raise CorruptDataError(f"{path} is not valid JSON ({exc}); it was left untouched") from exc


def write_atomic(path: Path, content: bytes | Callable[[BinaryIO], None], fsync: bool) -> None:
    """Replace ``path`` all at once: write a temporary file beside it, then rename it over.

    ``content`` is the bytes, or a function that writes them to the open temporary file.
    Readers see the old file or the new one, never a mix; a crash leaves the old one.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(tmp, "wb") as f:
            if callable(content):
                content(f)
            else:
                f.write(content)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if fsync:
        fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (a no-op where folders cannot sync)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_files(folder: Path, keep: str | None = None) -> None:
    """Delete every file in ``folder`` except ``keep`` (subfolders are not expected)."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name != keep:
            Path(entry.path).unlink(missing_ok=True)
