"""``messages.jsonl``: a session's messages, one JSON object per line, sorted by index.

::

    {"tether":"messages","format":1,"next_index":0,"count":0}     header, written once
    {"i":0,"t":"2025-01-01T10:00:00.000001+00:00","m":{...}}       one appended message
    {"i":1,"e":2,"t":"...","m":{...}}                               a batch of two: every line
    {"i":2,"t":"...","m":{...}}                                     but the last carries "e"

Appends never rewrite anything: the header keeps ``next_index`` and ``count`` as they were
when the file was written, and the lines appended since carry the indexes that follow, so
both numbers come from the header plus the last line. A line without ``"e"`` ends a batch
(it is *committed*); whatever follows the last committed line is a torn write of a killed
process: readers ignore it and the next writer cuts it off. ``"t"`` is when the line was
written (the session's ``updated_at``). Clearing, trimming and rewinding write a new file
and rename it over the old one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from pydantic_core import PydanticSerializationError

from tether.codec import dump_message, load_message
from tether.errors import CorruptDataError, InvalidMessageError, SchemaVersionError
from tether.models import Message
from tether.stores.file import lines
from tether.stores.file.fsio import write_atomic

FORMAT = 1
_LINE = re.compile(rb'\{"i":(\d+),(?:"e":(\d+),)?(?:"t":"([^"\\]*)",)?"m":')
_SCAN = 16384  # below this many bytes a binary search reads on line by line


class LogView:
    """``messages.jsonl`` as it was when opened: header, committed end, last index."""

    def __init__(self, f: BinaryIO, path: Path) -> None:
        self.f, self.path = f, path
        self.size = os.fstat(f.fileno()).st_size
        self.base_next, self.base_count, self.body_start = self._header()
        self.end, self.last_index, self.last_written = self._tail()

    @property
    def next_index(self) -> int:
        """The index the next appended message gets."""
        if self.last_index is None:
            return self.base_next
        return max(self.base_next, self.last_index + 1)

    @property
    def count(self) -> int:
        """How many messages the file holds."""
        if self.last_index is None or self.last_index < self.base_next:
            return self.base_count
        return self.base_count + self.last_index + 1 - self.base_next

    @property
    def updated_at(self) -> datetime | None:
        """When the last committed line was written (None for none, or imported lines)."""
        return datetime.fromisoformat(self.last_written) if self.last_written else None

    # --- reading ----------------------------------------------------------------------

    def read(
        self, after: int | None, before: int | None, limit: int | None, from_end: bool
    ) -> list[Message]:
        """Messages with after < index < before, oldest first, at most ``limit``."""
        if limit == 0:
            return []
        lo = self.body_start if after is None else self.seek(after + 1)
        hi = self.end if before is None else self.seek(before)
        out: list[Message] = []
        if from_end:
            for start, line in lines.backward(self.f, lo, hi):
                out.append(self._message(line, start))
                if limit is not None and len(out) >= limit:
                    break
            out.reverse()
            return out
        self.f.seek(lo)
        pos = lo
        while pos < hi and (limit is None or len(out) < limit):
            line = self.f.readline()
            out.append(self._message(line[:-1], pos))
            pos += len(line)
        return out

    def seek(self, target: int) -> int:
        """The offset of the first line with index >= ``target`` (the committed end if none):
        a binary search over byte offsets, O(log n) probes."""
        if self.last_index is None or target > self.last_index:
            return self.end
        lo, hi = self.body_start, self.end
        while hi - lo > _SCAN:
            mid = (lo + hi) // 2
            self.f.seek(mid)
            self.f.readline()
            start = self.f.tell()
            if start >= hi:
                break
            self.f.seek(start)
            if self._match(self.f.read(128), start)[0] >= target:
                hi = start
            else:
                lo = start
        self.f.seek(lo)
        pos = lo
        while pos < hi:
            line = self.f.readline()
            if self._match(line, pos)[0] >= target:
                return pos
            pos += len(line)
        return hi

    def suffix_count(self, start: int) -> int:
        """How many committed lines begin at or after ``start`` (a line start)."""
        return lines.count_lines(self.f, start, self.end)

    def start_of_last(self, n: int) -> int:
        """The offset where the last ``n`` committed lines begin."""
        if n <= 0:
            return self.end
        start = self.end
        for k, (line_start, _) in enumerate(lines.backward(self.f, self.body_start, self.end), 1):
            start = line_start
            if k >= n:
                break
        return start

    # --- writing ----------------------------------------------------------------------

    def append(self, data: bytes, fsync: bool) -> None:
        """Append ``data`` after the committed end (cutting off a torn tail first).
        ``self.f`` must be open for writing and the session lock held."""
        if self.end < self.size:
            self.f.truncate(self.end)
        self.f.seek(self.end)
        self.f.write(data)
        self.f.flush()
        if fsync:
            os.fsync(self.f.fileno())
        self.size = self.end = self.end + len(data)

    def copy_body(self, lo: int, hi: int) -> Callable[[BinaryIO], None]:
        """A body writer for :func:`write_log` copying the lines in ``[lo, hi)``."""
        return lambda dst: lines.copy_range(self.f, lo, hi, dst)

    def copy_prefix(self, cut: int) -> Callable[[BinaryIO], None]:
        """A body writer copying the lines before ``cut``. When the cut splits a batch, the
        last line kept loses its ``"e"`` so that it ends (commits) the shortened batch."""
        last = next(lines.backward(self.f, self.body_start, cut), None)
        if last is None:
            return lambda dst: None
        start, line = last
        m = self._match(line, start)[1]
        if m[2] is None:
            return self.copy_body(self.body_start, cut)
        fixed = line[: m.start(2) - len(b'"e":')] + line[m.end(2) + 1 :] + b"\n"

        def write(dst: BinaryIO) -> None:
            lines.copy_range(self.f, self.body_start, start, dst)
            dst.write(fixed)

        return write

    # --- internals --------------------------------------------------------------------

    def _header(self) -> tuple[int, int, int]:
        self.f.seek(0)
        first = self.f.readline(4096)
        try:
            header = json.loads(first) if first.endswith(b"\n") else None
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("tether") != "messages":
            raise CorruptDataError(f"{self.path} has no valid header line; it was left untouched")
        version = header.get("format")
        if isinstance(version, int) and version > FORMAT:
            raise SchemaVersionError(
                f"{self.path} has format {version}, newer than this tether understands "
                f"({FORMAT}); upgrade tether"
            )
        nxt, count = header.get("next_index"), header.get("count")
        if not (isinstance(nxt, int) and isinstance(count, int)):
            raise CorruptDataError(f"{self.path} has a malformed header; it was left untouched")
        return nxt, count, len(first)

    def _tail(self) -> tuple[int, int | None, str | None]:
        boundary = lines.last_line_end(self.f, self.body_start, self.size)
        for k, (start, line) in enumerate(lines.backward(self.f, self.body_start, boundary)):
            m = _LINE.match(line)
            if m is None or not line.endswith(b"}"):
                if k == 0:
                    continue  # a torn last line that happens to end in a newline
                raise CorruptDataError(
                    f"{self.path}: the line at byte {start} is not a message line; "
                    "the file was left untouched"
                )
            if m[2] is None:
                return start + len(line) + 1, int(m[1]), m[3] and m[3].decode()
        return self.body_start, None, None

    def _match(self, line: bytes, start: int) -> tuple[int, re.Match[bytes]]:
        m = _LINE.match(line)
        if m is None:
            raise CorruptDataError(
                f"{self.path}: the line at byte {start} is not a message line; "
                "the file was left untouched"
            )
        return int(m[1]), m

    def _message(self, line: bytes, start: int) -> Message:
        index, m = self._match(line, start)
        try:
            if not line.endswith(b"}"):
                raise CorruptDataError("the line is cut short")
            return load_message(line[m.end() : -1], index)
        except CorruptDataError as exc:
            raise CorruptDataError(
                f"{self.path}: the message at byte {start} cannot be read ({exc}); "
                "the file was left untouched"
            ) from exc


def encode(messages: list[Message], first: int, written: str | None) -> bytes:
    """The lines for ``messages`` with indexes ``first, first+1, ...`` as one batch.
    ``written`` is the write time; None keeps ``message.index`` (imports, no time)."""
    out = []
    last = len(messages) - 1
    stamp = f'"t":"{written}",' if written else ""
    for k, message in enumerate(messages):
        index = first + k if written else message.index
        batch = f'"e":{first + last},' if written and k < last else ""
        try:
            body = dump_message(message)
        except PydanticSerializationError as exc:
            raise InvalidMessageError(f"message cannot be stored as JSON: {exc}") from exc
        out.append(f'{{"i":{index},{batch}{stamp}"m":{body}}}\n')
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidMessageError(f"message cannot be stored as UTF-8: {exc}") from exc


def write_log(
    path: Path,
    next_index: int,
    count: int,
    body: bytes | Callable[[BinaryIO], None],
    fsync: bool,
) -> None:
    """Write a whole new ``messages.jsonl`` (header, then ``body``) and rename it in place."""
    header = json.dumps(
        {"tether": "messages", "format": FORMAT, "next_index": next_index, "count": count},
        separators=(",", ":"),
    ).encode()

    def write(f: BinaryIO) -> None:
        f.write(header + b"\n")
        if callable(body):
            body(f)
        else:
            f.write(body)

    write_atomic(path, write, fsync)
