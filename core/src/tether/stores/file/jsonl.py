"""Small append-only JSON Lines files (the session index and a session's records).

A killed writer can leave a torn last line: readers skip it and the next append cuts it off.
A bad line anywhere else is corruption and raises :class:`CorruptDataError`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, BinaryIO

from tether.errors import CorruptDataError
from tether.stores.file import lines
from tether.stores.file.fsio import fsync_dir, to_json_bytes, write_atomic

COMPACT_FROM = 65536


def read(path: Path) -> list[Any]:
    """Every row of the file ([] when it does not exist), a torn last line skipped."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    # what follows the last newline is torn (or empty); blank lines (hand edits) are skipped
    rows = [(n, row) for n, row in enumerate(data.split(b"\n")[:-1], 1) if row.strip()]
    try:  # one parse for the whole file; line by line only to find a torn or bad line
        return json.loads(b"[" + b",".join(row for _, row in rows) + b"]")
    except ValueError:
        pass
    out = []
    for position, (number, line) in enumerate(rows, 1):
        try:
            out.append(json.loads(line))
        except ValueError as exc:
            if position == len(rows):
                break
            raise CorruptDataError(
                f"{path}: line {number} is not valid JSON ({exc}); the file was left untouched"
            ) from exc
    return out


def append(path: Path, rows: list[Any], fsync: bool) -> tuple[int, int]:
    """Append ``rows`` (the caller holds the lock); returns the size before and after."""
    data = b"".join(to_json_bytes(row) + b"\n" for row in rows)
    with open(path, "a+b") as f:
        size = f.seek(0, os.SEEK_END)
        good = _sound_end(f, size)
        if good < size:
            f.truncate(good)
        f.write(data)
        f.flush()
        if fsync:
            os.fsync(f.fileno())
    if fsync and good == 0:
        fsync_dir(path.parent)  # the file may be new
    return good, good + len(data)


def rewrite(path: Path, rows: list[Any], fsync: bool) -> None:
    """Replace the whole file with ``rows`` at once."""
    write_atomic(path, b"".join(to_json_bytes(row) + b"\n" for row in rows), fsync)


def worth_compacting(before: int, after: int) -> bool:
    """True each time the file grows past another power of two (from 64 KiB): checking then
    keeps the cost of compaction O(1) per append, amortized."""
    return after >= COMPACT_FROM and before.bit_length() < after.bit_length()


def _sound_end(f: BinaryIO, size: int) -> int:
    end = lines.last_line_end(f, 0, size)
    for start, line in lines.backward(f, 0, end):
        try:
            json.loads(line)
        except ValueError:
            return start
        break
    return end
