"""Reading lines of a byte file backwards, counting them, and copying ranges of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

_CHUNK = 65536
_MAX_CHUNK = 1 << 22


def last_line_end(f: BinaryIO, lo: int, hi: int) -> int:
    """The offset just after the last newline in ``[lo, hi)``, or ``lo`` if there is none."""
    pos, chunk = hi, 4096
    while pos > lo:
        start = max(lo, pos - chunk)
        f.seek(start)
        found = f.read(pos - start).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        pos, chunk = start, min(chunk * 2, _MAX_CHUNK)
    return lo


def backward(f: BinaryIO, lo: int, hi: int) -> Iterator[tuple[int, bytes]]:
    """The lines of ``[lo, hi)`` from last to first, as (start offset, line without its
    newline). ``lo`` must be a line start and ``hi`` a line end. Reads only what it yields
    (plus one chunk), so the last N lines of a huge file cost O(N)."""
    buf = bytearray()  # the bytes [buf_at, end) not yielded yet
    buf_at = end = hi
    chunk = 8192
    while end > lo:
        found = buf.rfind(b"\n", 0, len(buf) - 1) if len(buf) > 1 else -1
        if found < 0 and buf_at > lo:
            size = min(chunk, buf_at - lo)
            chunk = min(chunk * 2, _MAX_CHUNK)
            buf_at -= size
            f.seek(buf_at)
            buf[0:0] = f.read(size)
            continue
        start = buf_at + found + 1 if found >= 0 else lo
        yield start, bytes(buf[start - buf_at : -1])
        del buf[start - buf_at :]
        end = start


def count_lines(f: BinaryIO, lo: int, hi: int) -> int:
    """How many newlines ``[lo, hi)`` holds."""
    f.seek(lo)
    total, left = 0, hi - lo
    while left > 0:
        data = f.read(min(_CHUNK, left))
        if not data:
            break
        total += data.count(b"\n")
        left -= len(data)
    return total


def copy_range(src: BinaryIO, lo: int, hi: int, dst: BinaryIO) -> None:
    """Copy the bytes ``[lo, hi)`` of ``src`` to ``dst``."""
    src.seek(lo)
    left = hi - lo
    while left > 0:
        data = src.read(min(_MAX_CHUNK, left))
        if not data:
            break
        dst.write(data)
        left -= len(data)
