"""Helpers for the Redis backend's tests: the server under test, a private server to stop
and restart, a proxy that loses replies, and ways to disturb connections."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

SERVER_URL = os.environ.get("TETHER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def drop_prefix(prefix: str) -> None:
    """Delete every key under ``prefix`` (only this test's keys: the prefix is unique)."""
    import redis

    client = redis.Redis.from_url(SERVER_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))  # no glob characters
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], what: str, limit: float = 15.0) -> None:
    """Poll ``check`` until it is true; fail the test after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


class PrivateServer:
    """A redis-server of this test's own (port, data folder, append-only file), so the test
    can stop and restart it without disturbing anyone else's server."""

    def __init__(self, folder: Path, binary: str) -> None:
        self.folder, self.binary, self.port = folder, binary, free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.socket = folder / "redis.sock"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always"]
        command += ["--save", "", "--daemonize", "no", "--logfile", str(self.folder / "log")]
        command += ["--unixsocket", str(self.socket), "--unixsocketperm", "700"]
        self.process = subprocess.Popen(command)
        wait_until(self._answers, f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis flushes the append-only file and exits
            self.process.wait(timeout=30)
        self.process = None


class DroppingProxy:
    """A TCP relay to Redis that, when armed, closes the client's connection right after the
    server has answered the next request, without passing the answer on: the server has done
    the work, the client never hears of it (a connection lost at the worst moment)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.armed = threading.Event()
        self.dropped = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, replies: bool) -> None:
        try:
            while data := source.recv(65536):
                if replies and self.armed.is_set():
                    self.armed.clear()
                    self.dropped += 1
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.listener.close()


def kill_clients(raw_redis, name: str) -> int:
    """CLIENT KILL every connection named ``name``; how many there were."""
    ids = [c["id"] for c in raw_redis.client_list() if c.get("name") == name]
    for client_id in ids:
        raw_redis.client_kill_filter(_id=client_id)
    return len(ids)
