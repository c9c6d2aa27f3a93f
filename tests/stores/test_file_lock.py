"""The file store's lock when its file is deleted under a waiter (deleting a session)."""

from __future__ import annotations

import os
import threading

import pytest

from tether.errors import LockTimeoutError
from tether.stores.file import lock


def test_a_waiter_never_holds_a_deleted_lock_file(tmp_path):
    path = tmp_path / ".lock"
    first = lock.acquire(path, 5, create_parent=False)
    got = []
    waiter = threading.Thread(target=lambda: got.append(lock.acquire(path, 10, create_parent=True)))
    waiter.start()
    waiter.join(0.1)
    path.unlink()  # the holder deletes the session, lock file included ...
    second = lock.acquire(path, 5, create_parent=True)  # ... and someone re-creates it
    lock.release(first)
    waiter.join(0.3)
    assert waiter.is_alive(), "the waiter took the deleted lock while another holds the new one"
    lock.release(second)
    waiter.join()
    assert path.stat().st_ino == os.fstat(got[0]).st_ino
    lock.release(got[0])


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
