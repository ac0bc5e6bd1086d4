"""A real `python -m judgebox.server` in a subprocess, and what the tests observe about it.

Each server gets its own work root and database under a tmp dir. "Its sandboxed
processes" are the server's descendant processes (bwrap and the programs; the
server is their subreaper) and the processes left in its instance cgroups.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
from server_process import ServerProcess

StartServer = Callable[..., "LiveServer"]
SLOW_CODE = "import time\ntime.sleep(30)\n"
APLUSB_CODE = "a, b = map(int, input().split())\nprint(a + b)\n"


def write_problems(root: Path) -> Path:
    """A library with `aplusb`: a Kattis package with 1 sample and 3 secret cases."""
    package = root / "aplusb"
    (package / "data" / "sample").mkdir(parents=True)
    (package / "data" / "secret").mkdir(parents=True)
    (package / "problem.yaml").write_text("name: A plus B\n")
    (package / "problem_statement").mkdir()
    (package / "problem_statement" / "problem.en.md").write_text("# A plus B\n\nAdd a and b.\n")
    (package / "data" / "sample" / "1.in").write_text("1 2\n")
    (package / "data" / "sample" / "1.ans").write_text("3\n")
    for i in (1, 2, 3):
        (package / "data" / "secret" / f"{i}.in").write_text(f"{i} {i * 10}\n")
        (package / "data" / "secret" / f"{i}.ans").write_text(f"{i * 11}\n")
    return root


class LiveServer(ServerProcess):
    """One server process: its URL, its log, and its sandboxed processes."""

    def __init__(
        self,
        directory: Path,
        problems: Path,
        *,
        env: Mapping[str, str] | None = None,
        args: tuple[str, ...] = (),
        db: Path | None = None,
    ) -> None:
        self.directory = directory
        self.db = db or directory / "runs.sqlite3"
        # pytest's tmp dirs are 0700: the box uids could not reach a work root there.
        self.work_root = Path(tempfile.mkdtemp(prefix="judgebox-server-test-")) / "work"
        self.work_root.parent.chmod(0o711)
        super().__init__(
            problems=problems, db=self.db, work_root=self.work_root, log_dir=directory,
            env=env, args=args,
        )  # fmt: skip
        self.instance = f"p{self.process.pid}-"

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, wait, SIGKILL as a last resort; the exit status. Removes the work root."""
        status = self.terminate(timeout)
        shutil.rmtree(self.work_root.parent, ignore_errors=True)
        return status

    def sandboxed_pids(self) -> set[int]:
        """Processes of this server's sandboxes: its descendants and its cgroups' members."""
        return descendants(self.pid) | cgroup_members(self.instance)

    def wait_sandboxed(self, present: bool, timeout: float = 10.0) -> float:
        """Poll /proc until a sandboxed process exists (or none does); seconds it took."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if bool(self.sandboxed_pids()) == present:
                return time.monotonic() - start
            time.sleep(0.002)
        state = "appear" if present else "die"
        raise AssertionError(f"sandboxed processes did not {state} within {timeout} s")

    def metric(self, name: str, **labels: str) -> float:
        """One sample of /metrics (0 when absent)."""
        return metric_value(httpx.get(f"{self.url}/metrics").text, name, **labels)


def metric_value(text: str, name: str, **labels: str) -> float:
    """A sample's value in Prometheus text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "")
    match = re.search(rf"^{pattern} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def descendants(pid: int) -> set[int]:
    """Every live descendant of a process (from /proc's ppid links), zombies excluded."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def cgroup_members(instance_prefix: str) -> set[int]:
    """Pids in any cgroup of a judgebox instance (cgroup v1 hierarchies and v2)."""
    members: set[int] = set()
    roots = [p / "judgebox" for p in Path("/sys/fs/cgroup").iterdir()]
    roots.append(Path("/sys/fs/cgroup/judgebox"))
    for root in roots:
        if not root.is_dir():
            continue
        for instance in root.glob(f"{instance_prefix}*"):
            for directory, _, files in os.walk(instance):  # boxes' cgroups come and go
                if "cgroup.procs" not in files:
                    continue
                try:
                    members.update(
                        int(x) for x in Path(directory, "cgroup.procs").read_text().split()
                    )
                except OSError:
                    continue
    return members
