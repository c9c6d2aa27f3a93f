"""The file store's lock when its file is deleted under a waiter (deleting a session)."""

from __future__ import annotations

import os

import pytest

from tether.errors import LockTimeoutError
from tether.stores.file import lock


def test_a_waiter_never_holds_a_deleted_lock_file(tmp_path, monkeypatch):
    path = tmp_path / ".lock"
    path.touch()
    stale = os.open(path, os.O_RDWR)  # a waiter opened the lock file ...
    replacement = tmp_path / ".lock.new"
    holder = lock.acquire(replacement, 5, create_parent=False)
    os.replace(replacement, path)  # ... the session was deleted, re-created and locked again
    opened = [stale]
    real_open = lock._open
    monkeypatch.setattr(lock, "_open", lambda p, c: opened.pop() if opened else real_open(p, c))
    try:
        # The stale descriptor locks (nobody holds the deleted file), but it is not the file
        # at the path any more: the waiter must let it go and wait for the real holder.
        with pytest.raises(LockTimeoutError):
            lock.acquire(path, 0.2, create_parent=False)
    finally:
        lock.release(holder)
    assert not opened
    monkeypatch.undo()
    fd = lock.acquire(path, 1, create_parent=False)
    assert os.fstat(fd).st_ino == path.stat().st_ino
    lock.release(fd)


def test_a_missing_folder_is_not_created_without_create_parent(tmp_path):
    with pytest.raises(FileNotFoundError):
        lock.acquire(tmp_path / "gone" / ".lock", 1, create_parent=False)
    assert not (tmp_path / "gone").exists()


def test_timeout_names_the_lock_file(tmp_path):
    path = tmp_path / ".lock"
    held = lock.acquire(path, 1, create_parent=False)
    try:
        with pytest.raises(LockTimeoutError, match=str(path)):
            lock.acquire(path, 0.05, create_parent=False)
    finally:
        lock.release(held)


def test_a_locked_descriptor_is_checked_against_the_file_now_at_the_path(tmp_path):
    path = tmp_path / ".lock"
    path.touch()
    fd = os.open(path, os.O_RDWR)
    try:
        assert lock._is_current(fd, path)
        path.unlink()
        assert not lock._is_current(fd, path)
        path.touch()  # a new file under the same name
        assert not lock._is_current(fd, path)
    finally:
        os.close(fd)
