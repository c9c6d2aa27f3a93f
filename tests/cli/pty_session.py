"""Drive an interactive command through a pseudo-terminal, as a person at a keyboard would."""

from __future__ import annotations

import os
import select
import subprocess
import time


class PtySession:
    """Starts ``command`` with a pty as its stdin, stdout and stderr (so ``isatty()`` is
    true, as in a real terminal) and lets a test wait for text and type lines."""

    def __init__(self, command: list[str], env: dict[str, str], timeout: float = 60) -> None:
        self.timeout = timeout
        self.output = ""
        self._seen = 0
        master, slave = os.openpty()
        self.proc = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.fd = master

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not chunk:
            return False
        self.output += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return True

    def expect(self, text: str) -> str:
        """Wait until ``text`` appears after what earlier calls matched; return the output
        in between (inclusive)."""
        deadline = time.monotonic() + self.timeout
        while text not in self.output[self._seen :]:
            alive = self._read(0.2)
            if text in self.output[self._seen :]:
                break
            if not alive or time.monotonic() > deadline:
                raise AssertionError(f"never saw {text!r}; output so far:\n{self.output}")
        end = self.output.index(text, self._seen) + len(text)
        between, self._seen = self.output[self._seen : end], end
        return between

    def send(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def close(self, *, eof: bool = False) -> int:
        """Send Ctrl-D if ``eof``; wait for the exit code, keeping all remaining output."""
        if eof:
            os.write(self.fd, b"\x04")
        deadline = time.monotonic() + self.timeout
        while self._read(0.2) and self.proc.poll() is None and time.monotonic() < deadline:
            pass
        code = self.proc.wait(timeout=self.timeout)
        while self._read(0):
            pass
        os.close(self.fd)
        return code
