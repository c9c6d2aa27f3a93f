"""A cross-process exclusive lock on a file (``flock`` on POSIX, ``msvcrt`` on Windows).

Written here rather than taken from ``filelock`` for two reasons: deleting a session deletes
its lock file, so after acquiring we check that the file we locked is still the one at the
path (a waiter that locked an unlinked file retries instead of running alongside the next
holder); and a missing session folder must not be re-created by a lock attempt.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tether.errors import LockTimeoutError

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


_FIRST_WAIT, _MAX_WAIT = 0.0002, 0.005


def acquire(path: Path, timeout: float, *, create_parent: bool) -> int:
    """Lock ``path`` (creating the file) and return its descriptor.

    Raises ``FileNotFoundError`` when the parent folder is missing and ``create_parent`` is
    false, and :class:`LockTimeoutError` after ``timeout`` seconds of waiting.
    """
    deadline = time.monotonic() + timeout
    wait = _FIRST_WAIT
    while True:
        fd = _open(path, create_parent)
        if fd is None:
            wait = 0.0  # the folder was removed between makedirs and open: retry at once
        else:
            try:
                if _try_lock(fd):
                    if _is_current(fd, path):
                        return fd
                    wait = 0.0  # we locked a deleted file: retry at once
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        if time.monotonic() >= deadline:
            raise LockTimeoutError(
                f"could not lock {path} within {timeout:g} s: another process or thread holds "
                "it (raise lock_timeout, or look for a stuck process)"
            )
        time.sleep(wait)
        wait = min(max(wait * 2, _FIRST_WAIT), _MAX_WAIT)


def release(fd: int) -> None:
    """Unlock and close a descriptor returned by :func:`acquire`."""
    try:
        _unlock(fd)
    finally:
        os.close(fd)


@contextmanager
def locked(path: Path, timeout: float, *, create_parent: bool = False) -> Iterator[int]:
    """Hold the lock on ``path`` for the ``with`` block."""
    fd = acquire(path, timeout, create_parent=create_parent)
    try:
        yield fd
    finally:
        release(fd)


def _open(path: Path, create_parent: bool) -> int | None:
    if create_parent:
        os.makedirs(path.parent, exist_ok=True)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except FileNotFoundError:
        if not create_parent:
            raise
        return None


def _is_current(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
