"""Real processes for the scale-out tests: nats-server, `judgebox worker`, `judgebox serve`.

Every process gets its own free port, work root and sandbox uid range, so that
"its sandboxed processes" are simply the processes running as one of its uids
(a box's program keeps its uid even after its worker was SIGKILLed).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from secure_nats import SecureSetup

JUDGEBOX = str(Path(sys.executable).with_name("judgebox"))
UID_COUNT = 64  # SandboxConfig's default


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pids_with_uid(first_uid: int, count: int = UID_COUNT, command: str = "") -> set[int]:
    """Live processes (zombies are dead) whose real uid is in [first_uid, first_uid + count).

    With `command`, only those whose command line contains it (e.g. the program's file).
    """
    found: set[int] = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry.name}/status").read_text().splitlines()
            fields = dict(line.split(":", 1) for line in status if ":" in line)
            uid = int(fields["Uid"].split()[0])
            if not first_uid <= uid < first_uid + count or fields["State"].split()[0] == "Z":
                continue
            if command and command.encode() not in Path(f"/proc/{entry.name}/cmdline").read_bytes():
                continue
            found.add(int(entry.name))
        except (OSError, KeyError, ValueError):
            continue
    return found


def describe(pids: set[int]) -> str:
    """Command lines of some processes (for a failure message)."""
    lines = []
    for pid in sorted(pids):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            command = "(gone)"
        lines.append(f"{pid}: {command[:200]}")
    return "\n".join(lines)


def wait_for(condition: Any, timeout: float, what: str, period: float = 0.01) -> float:
    """Poll `condition()` until true; the seconds it took; AssertionError naming `what`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(period)
    raise AssertionError(f"{what} did not happen within {timeout} s")


class Process:
    """A subprocess with its log in a file."""

    def __init__(self, command: list[str], log_path: Path, env: Mapping[str, str]) -> None:
        self.command = command
        self.log_path = log_path
        environment = {k: v for k, v in os.environ.items() if not k.startswith("JUDGEBOX_")}
        environment.update(env)
        self.env = environment
        self.process = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=self.env,
            )  # fmt: skip

    def log(self) -> str:
        """Everything the process logged so far."""
        return self.log_path.read_text(errors="replace")

    def wait_log(self, text: str, timeout: float = 30.0) -> None:
        """Return once `text` is in the log; fail with the log if the process died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"{self.command[:3]} exited:\n{self.log()}")
            time.sleep(0.02)
        raise AssertionError(f"{text!r} not logged within {timeout} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL, and reap."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, wait, SIGKILL as a last resort."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process.wait()


class NatsServer(Process):
    """Debian's nats-server with JetStream on a free port, its store in `store`.

    `secure`: run from docs/nats-server.conf.example (TLS with client certificates,
    an API user and a worker user with their permissions); see secure_nats.py.
    """

    def __init__(self, directory: Path, secure: bool = False) -> None:
        self.port = free_port()
        self.store = directory / "jetstream"
        self.secure: SecureSetup | None = None
        env: dict[str, str] = {}
        if secure:
            self.secure = SecureSetup(directory, self.port, self.store)
            self.url = self.secure.url
            command = ["nats-server", "-c", str(self.secure.config)]
            env = self.secure.server_env()
        else:
            self.url = f"nats://127.0.0.1:{self.port}"
            command = ["nats-server", "-js", "-sd", str(self.store), "-a", "127.0.0.1",
                       "-p", str(self.port)]  # fmt: skip
        super().__init__(command, directory / "nats.log", env)
        self.wait_log("Server is ready", timeout=10)

    def role_env(self, user: str) -> dict[str, str]:
        """The JUDGEBOX_NATS_* a node logging in as `user` needs (nothing if not secure)."""
        return self.secure.role_env(user) if self.secure else {}

    def restart(self, down_for: float = 0.0) -> None:
        """Stop it, wait `down_for` s, start it again on the same port with the same store."""
        self.stop()
        time.sleep(down_for)
        self.process = self._spawn()
        wait_for(lambda: self.log().count("Server is ready") >= 2, 10, "nats-server restart")


class Node(Process):
    """A `judgebox worker` or `judgebox serve` with its own work root and uid range."""

    def __init__(
        self, command: list[str], directory: Path, name: str, uid_base: int,
        env: Mapping[str, str],
    ) -> None:  # fmt: skip
        self.uid_base = uid_base
        # pytest's tmp dirs are 0700: the box uids could not reach a work root there.
        self.scratch = Path(tempfile.mkdtemp(prefix=f"judgebox-{name}-"))
        self.scratch.chmod(0o711)
        environment = {
            "JUDGEBOX_WORK_ROOT": str(self.scratch / "work"),
            "JUDGEBOX_UID_BASE": str(uid_base),
            "JUDGEBOX_DB_PATH": str(directory / f"{name}.sqlite3"),
            "JUDGEBOX_PARALLELISM": "1",
            **env,
        }
        super().__init__(command, directory / f"{name}.log", environment)

    def sandboxed_pids(self, command: str = "") -> set[int]:
        """Live processes running as one of this node's box uids (whose command has `command`)."""
        return pids_with_uid(self.uid_base, command=command)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the process and remove its work root."""
        super().stop(timeout)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def kill(self) -> None:
        """SIGKILL the process (its scratch stays until stop())."""
        super().kill()


def start_worker(
    directory: Path, nats_url: str, name: str, uid_base: int, env: Mapping[str, str],
    slots: int = 1,
) -> Node:  # fmt: skip
    """A `judgebox worker --nats URL --slots K`, ready to pull jobs."""
    command = [JUDGEBOX, "worker", "--nats", nats_url, "--slots", str(slots)]
    node = Node(command, directory, name, uid_base, env)
    node.wait_log("worker ready")
    return node


class ApiNode(Node):
    """A `judgebox serve [--nats URL]` on a free port."""

    def __init__(
        self, directory: Path, name: str, uid_base: int, env: Mapping[str, str],
        nats_url: str | None,
    ) -> None:  # fmt: skip
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [JUDGEBOX, "serve", "--port", str(self.port)]
        if nats_url:
            command += ["--nats", nats_url]
        super().__init__(command, directory, name, uid_base, env)
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Return once /healthz answers."""

        def healthy() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"API node exited:\n{self.log()}")
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, timeout, "the API node answering /healthz", period=0.05)

    def submit(self, body: Mapping[str, Any]) -> str:
        """POST /runs; the run id."""
        response = httpx.post(f"{self.url}/runs", json=dict(body), timeout=10)
        assert response.status_code == 202, response.text
        run_id: str = response.json()["runId"]
        return run_id

    def run(self, run_id: str) -> dict[str, Any]:
        """GET /runs/{id}."""
        response = httpx.get(f"{self.url}/runs/{run_id}", timeout=10)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def delete(self, run_id: str) -> dict[str, Any]:
        """DELETE /runs/{id}."""
        response = httpx.delete(f"{self.url}/runs/{run_id}", timeout=30)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document


def sse_events(response: httpx.Response) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(id, event, data) of an SSE response, as they arrive."""
    ident, name, data = 0, "", ""
    for line in response.iter_lines():
        if line.startswith("id:"):
            ident = int(line[3:].strip())
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data = line[5:].strip()
        elif line == "" and data:
            yield ident, name, json.loads(data)
            ident, name, data = 0, "", ""


def follow(
    url: str, after: int | None = None, within: float = 60.0
) -> list[tuple[int, str, dict[str, Any]]]:
    """Every event of GET {url} (a run's events) until `complete`, or fail after `within` s.

    The deadline is checked at every line, pings included (the API nodes ping every second).
    """
    headers = {"Accept": "text/event-stream"}
    if after is not None:
        headers["Last-Event-ID"] = str(after)
    deadline = time.monotonic() + within
    events: list[tuple[int, str, dict[str, Any]]] = []
    with httpx.stream("GET", url, headers=headers, timeout=within) as response:
        assert response.status_code == 200, response.read()
        ident, name, data = 0, "", ""
        for line in response.iter_lines():
            if time.monotonic() > deadline:
                raise AssertionError(f"no complete within {within} s; got {events}")
            if line.startswith("id:"):
                ident = int(line[3:].strip())
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and data:
                events.append((ident, name, json.loads(data)))
                ident, name, data = 0, "", ""
    return events
