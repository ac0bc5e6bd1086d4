"""A real `python -m judgebox.server` in a subprocess: start, health, log, signals, stop.

Shared by the suites that drive a live server (tests/server, tests/faults); each
adds what it observes about the server on top.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """One server process on a free port, logging to a file."""

    def __init__(
        self,
        *,
        problems: Path,
        db: Path,
        work_root: Path,
        log_dir: Path,
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        append_log: bool = False,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"server-{self.port}.log"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("JUDGEBOX_")}
        environment.update(env or {})
        command = [
            sys.executable, "-m", "judgebox.server", "--host", "127.0.0.1",
            "--port", str(self.port), "--problems", str(problems), "--db", str(db),
            "--work-root", str(work_root), *args,
        ]  # fmt: skip
        with self.log_path.open("ab" if append_log else "wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=environment,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        """The server's pid."""
        return self.process.pid

    def log(self) -> str:
        """Everything the server logged so far."""
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Return once /healthz answers 200; fail with the log if the server died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server did not answer within {timeout} s:\n{self.log()}")

    def signal(self, sig: signal.Signals) -> None:
        """Send a signal to the server process."""
        self.process.send_signal(sig)

    def wait_exit(self, timeout: float) -> int:
        """The exit status, waiting at most `timeout` seconds."""
        return self.process.wait(timeout)

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, wait, SIGKILL as a last resort; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def open_fds(self) -> int:
        """How many file descriptors the server holds."""
        return len(os.listdir(f"/proc/{self.pid}/fd"))
