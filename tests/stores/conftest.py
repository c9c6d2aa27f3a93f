"""Fixtures for the file and SQLite store tests: store URLs and child processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import tether


@pytest.fixture
def file_url(tmp_path):
    return (tmp_path / "sessions").as_uri()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'sessions.db'}"


@pytest.fixture(params=["file", "sqlite"])
def url(request, file_url, sqlite_url):
    """Each test using this runs once per built-in persistent store."""
    return file_url if request.param == "file" else sqlite_url


@pytest.fixture
def open_store():
    """Open stores that are closed after the test."""
    opened = []

    def opener(url, **options):
        opened.append(tether.open_store(url, **options))
        return opened[-1]

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def child():
    """Start ``python -c CODE ARGS...`` with piped text stdout; killed after the test."""
    started: list[subprocess.Popen] = []

    def start(code: str, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
