"""A SecantusDB server in a child process, for tests (stop and restart included).

Used by this plugin's tests and by tests elsewhere that need a real MongoDB-compatible
server (``SecantusProcess(tmp_path).start()``; needs the ``secantusdb`` package, which the
plugin's ``test`` extra installs).

SecantusDB is a MongoDB-compatible server written in Python. Running it in its own process
keeps it off the test process's GIL and lets a test stop it and start it again on the same
port and storage path, as a real server restart would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import signal, sys, threading
from secantus import SecantusDBServer

port, path, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
server = SecantusDBServer(
    port=port,
    storage_path=path,
    require_auth=mode == "auth",
    replica_set_name=None if mode == "standalone" else "secantus",
)
server.start()
print(server.port, flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
server.stop()
"""


class SecantusProcess:
    """``start()`` a server, ``stop()`` it (gracefully), ``start()`` it again on the same port
    and storage path. Modes: ``open`` (a single-node replica set, the default), ``auth``
    (SCRAM authentication required) and ``standalone`` (no replica set, so no retryable writes
    and no transactions).
    """

    def __init__(self, storage_path: Path, mode: str = "open") -> None:
        self.storage_path = storage_path
        self.mode = mode
        self.port = 0
        self._process: subprocess.Popen[str] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> SecantusProcess:
        args = [str(self.port), str(self.storage_path), self.mode]
        self._process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self._process.stdout.readline() if self._process.stdout else ""
        if not line.strip().isdigit():
            self._process.kill()
            _, err = self._process.communicate(timeout=30)
            raise RuntimeError(f"SecantusDB did not start: {err.strip()[-2000:]}")
        self.port = int(line)
        return self

    def stop(self) -> None:
        """Stop gracefully (SIGTERM: the server closes its storage). A server still busy
        after 30 s is killed, which is fine for a teardown but not before a restart:
        SecantusDB 0.7 loses acknowledged writes when killed."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.communicate(timeout=30)
            self._process = None
