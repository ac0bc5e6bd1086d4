"""A real `python -m judgebox.server` to abuse, and what it must never leave on the host.

Each server gets its own files under /tmp (mode 0711, so the box uids can pass):

    /tmp/judgebox-faults-XXXX/
        work/                 JUDGEBOX_WORK_ROOT: <instance>/ per server process
        cache/                JUDGEBOX_CACHE_DIR
        runs.sqlite3          --db (kept across a restart)
        problems/             the library (fault_programs.write_library)
        server-<port>.log     what the server logged

and uids from UID_BASE (65000: apart from every other suite). Leftovers
are looked for on the host itself: processes of the box uids, box directories
under the instance's work dir, cgroups under /sys/fs/cgroup/*/judgebox/<instance>/.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from server_process import ServerProcess

UID_BASE = 65000  # the sandbox tests draw theirs from 62000..64063, servers default to 61000
UID_COUNT = 64  # SandboxConfig.uid_count
CGROUP_ROOT = Path("/sys/fs/cgroup")


class ServerFiles:
    """The directories and database one server (and its restarts) use."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="judgebox-faults-", dir="/tmp"))
        self.root.chmod(0o711)
        self.work_root = self.root / "work"
        self.cache_dir = self.root / "cache"
        self.db = self.root / "runs.sqlite3"
        self.problems = self.root / "problems"

    def remove(self) -> None:
        """Delete everything (after the servers stopped)."""
        shutil.rmtree(self.root, ignore_errors=True)


class FaultServer(ServerProcess):
    """One server process on a free port, healthy once constructed."""

    def __init__(self, files: ServerFiles, env: Mapping[str, str] | None = None) -> None:
        self.files = files
        environment = {
            "JUDGEBOX_WORK_ROOT": str(files.work_root),
            "JUDGEBOX_CACHE_DIR": str(files.cache_dir),
            "JUDGEBOX_UID_BASE": str(UID_BASE),
            "JUDGEBOX_LOG_LEVEL": "INFO",
            **(env or {}),
        }
        super().__init__(
            problems=files.problems, db=files.db, work_root=files.work_root, log_dir=files.root,
            env=environment, append_log=True,  # a restart's log follows the first one's
        )  # fmt: skip
        self.wait_healthy()
        self.instance = instance_of(files.work_root, self.process.pid)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers (test teardown)."""
        self.terminate(20)


def instance_of(work_root: Path, pid: int) -> str:
    """The instance name (`p<pid>-<starttime>`) a server process created under the work root."""
    found = sorted(p.name for p in work_root.glob(f"p{pid}-*"))
    assert len(found) == 1, f"expected one instance dir of pid {pid}, found {found}"
    return found[0]


def box_uid_processes() -> list[str]:
    """`pid uid command` of every live process running as a box uid of these tests."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = int(fields.get("Uid", "0").split()[0])
        if UID_BASE <= uid < UID_BASE + UID_COUNT and fields.get("State", "").split()[0] != "Z":
            found.append(f"{entry} uid={uid} {fields.get('Name', '').strip()}")
    return found


def instance_cgroups(instance: str) -> list[Path]:
    """The instance's own cgroup directories (v1: one per controller; v2: one)."""
    candidates = [CGROUP_ROOT / "judgebox" / instance]
    candidates += [c / "judgebox" / instance for c in CGROUP_ROOT.iterdir() if c.is_dir()]
    return [c for c in candidates if c.is_dir()]


def leftovers(work_root: Path, instance: str) -> list[str]:
    """What a server must not keep once no run is active: box processes, dirs, case cgroups."""
    found = box_uid_processes()
    instance_dir = work_root / instance
    if instance_dir.is_dir():
        for entry in instance_dir.iterdir():
            if entry.name.startswith("etc-"):
                continue  # the synthetic /etc of a uid, reused by every box of that uid
            if entry.name == "runs" and not any(entry.iterdir()):
                continue
            found.append(f"dir {entry}" + (f": {sorted(os.listdir(entry))[:5]}" if
                                            entry.is_dir() else ""))  # fmt: skip
    for cgroup in instance_cgroups(instance):
        found += [f"cgroup {c}" for c in cgroup.iterdir() if c.is_dir()]
    return found


def wait_no_leftovers(work_root: Path, instance: str, timeout: float = 15.0) -> list[str]:
    """Poll until nothing is left (or the timeout); what is left."""
    deadline = time.monotonic() + timeout
    while True:
        found = leftovers(work_root, instance)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def tracebacks(log: str) -> list[str]:
    """The last line (the exception) of every traceback in a server log, with its context line."""
    found = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback") or line.lstrip().startswith("+ Exception Group Traceback"):
            before = lines[i - 1] if i else ""
            end = next((lines[j] for j in range(i + 1, len(lines))
                        if lines[j] and not lines[j][0].isspace() and lines[j][0] not in "+|"),
                       "?")  # fmt: skip
            found.append(f"{before.strip()} -> {end.strip()}")
    return found
