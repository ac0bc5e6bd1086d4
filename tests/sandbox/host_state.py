"""What the host looks like from outside the sandbox: processes of box uids, case cgroups, zombies.

The hostile tests check the host after each attack with these readings of
/proc and /sys/fs/cgroup, never with the sandbox's own bookkeeping.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from judgebox.sandbox import Sandbox
from judgebox.sandbox.cgroups import BOX_PREFIX, KEPT_PREFIX


@dataclass(frozen=True)
class HostProcess:
    """One line of /proc as the tests need it."""

    pid: int
    ppid: int
    uid: int
    state: str
    nspid: tuple[int, ...]  # host pid first, the innermost namespace's pid last
    name: str


def _read_status(pid: int) -> HostProcess | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return HostProcess(
        pid=pid,
        ppid=int(fields["PPid"]),
        uid=int(fields["Uid"].split()[0]),
        state=fields["State"].split()[0],
        nspid=tuple(int(x) for x in fields.get("NSpid", str(pid)).split()),
        name=fields["Name"].strip(),
    )


def all_processes() -> list[HostProcess]:
    """Every process of the host, read from /proc now."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            proc = _read_status(int(entry))
            if proc is not None:
                found.append(proc)
    return found


def processes_of_uid(uid: int) -> list[HostProcess]:
    """Processes (zombies included) whose real uid is `uid`."""
    return [p for p in all_processes() if p.uid == uid]


def case_processes(uid: int) -> list[HostProcess]:
    """Processes of a box uid other than the box itself (bwrap outside, the supervisor).

    bwrap's outer process lives in the host's pid namespace only; inside the box's
    namespace the supervisor is pid 1, so anything else there is a program's.
    """
    return [p for p in processes_of_uid(uid) if len(p.nspid) > 1 and p.nspid[-1] != 1]


def assert_case_gone(uid: int, within: float = 0.1) -> None:
    """Nothing of a case runs now, and its dead (zombies) are reaped within `within` s."""
    running = [p for p in case_processes(uid) if p.state != "Z"]
    assert not running, f"processes of the case still run: {running}"
    deadline = time.monotonic() + within
    while case_processes(uid):
        assert time.monotonic() < deadline, f"not reaped: {case_processes(uid)}"
        time.sleep(0.001)


def case_cgroup_dirs(sandbox: Sandbox) -> list[Path]:
    """The case cgroups that exist now under this sandbox instance (all controllers)."""
    return [p for p in _instance_cgroups(sandbox) if not p.name.startswith(BOX_PREFIX)]


def per_case_cgroup_dirs(sandbox: Sandbox) -> list[Path]:
    """The case cgroups made for one case only: not those a box keeps from case to case."""
    return [p for p in case_cgroup_dirs(sandbox) if not p.name.startswith(KEPT_PREFIX)]


def kept_cgroup_dirs(sandbox: Sandbox) -> list[Path]:
    """The case cgroups that boxes keep from case to case (v1 pids and cpuacct)."""
    return [p for p in case_cgroup_dirs(sandbox) if p.name.startswith(KEPT_PREFIX)]


def box_cgroup_dirs(sandbox: Sandbox) -> list[Path]:
    """The box cgroups (bwrap and the supervisor of a box) under this sandbox instance."""
    return [p for p in _instance_cgroups(sandbox) if p.name.startswith(BOX_PREFIX)]


def _instance_cgroups(sandbox: Sandbox) -> list[Path]:
    layout = sandbox.isolation.cgroups
    assert layout is not None, "these tests need cgroups"
    found: list[Path] = []
    for inst in layout.instance_dirs(sandbox.instance):
        if inst.is_dir():
            found.extend(p for p in inst.iterdir() if p.is_dir())
    return found


def cgroup_pids(case_dir: Path) -> list[int]:
    """Pids in one case cgroup (empty once it is gone)."""
    try:
        return [int(x) for x in (case_dir / "cgroup.procs").read_text().split()]
    except OSError:
        return []


def zombie_children() -> list[HostProcess]:
    """Zombies whose parent is this (test) process."""
    me = os.getpid()
    return [p for p in all_processes() if p.ppid == me and p.state == "Z"]


def descendants(pid: int) -> list[int]:
    """All descendants of `pid` now (through /proc/<pid>/task/*/children)."""
    out: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                kids = Path(f"/proc/{current}/task/{tid}/children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                out.append(kid)
                stack.append(kid)
    return out


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.0005) -> float:
    """Poll `condition` until true; return the seconds it took (raise AssertionError on timeout)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition still false after {timeout} s")
        time.sleep(step)
    return time.monotonic() - start


def cgroup_cpu_seconds(case_dir: Path) -> float | None:
    """CPU seconds of a case cgroup dir (v1 cpuacct or v2), None if it is not a CPU dir or gone."""
    try:
        if (case_dir / "cpuacct.usage").exists():
            return int((case_dir / "cpuacct.usage").read_text()) / 1e9
        for line in (case_dir / "cpu.stat").read_text().splitlines():
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
    except (OSError, ValueError):
        return None
    return None
