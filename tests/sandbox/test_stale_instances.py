"""A judgebox process SIGKILLed mid-run, and the next start that sweeps what it left.

Also: what the start-up line says about the isolation in force.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from host_state import all_processes, descendants, processes_of_uid

from judgebox.sandbox import Box, Sandbox, SandboxConfig, cgroups

HERE = Path(__file__).parent

NEXT_START = """
import logging, sys
from pathlib import Path
from judgebox.sandbox import Box, Sandbox, SandboxConfig, cgroups
logging.basicConfig(level=logging.INFO, format="%(message)s")
sb = Sandbox.open(SandboxConfig(work_root=Path(sys.argv[1]), uid_base=int(sys.argv[2])))
sb.close()
"""


def instance_cgroup_dirs(sandbox: Sandbox, instance: str) -> list[Path]:
    """The cgroup dirs of `instance` (any judgebox process) that exist now."""
    layout = sandbox.isolation.cgroups
    assert layout is not None
    return [d for d in layout.instance_dirs(instance) if d.exists()]


def reap_orphans(pids: list[int], timeout: float = 2.0) -> None:
    """Reap the killed process's children that were orphaned to us (we are a subreaper)."""
    deadline = time.monotonic() + timeout
    pending = set(pids)
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            if not os.path.exists(f"/proc/{pid}"):
                pending.discard(pid)
                continue
            # Not ours yet (its parent is still dying), or ours: reap it then.
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] != 0:
                    pending.discard(pid)
        time.sleep(0.005)


@dataclass
class Crash:
    """A crashing_judge.py child whose case is running."""

    proc: subprocess.Popen[str]
    info: dict[str, Any]  # what it printed: uid, instance, workspace
    work_root: Path
    canary: Path  # links to it are planted in the workspace: it must survive the sweep

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


@contextlib.contextmanager
def crashing_judge(shared_tmp: Path, name: str, uid_base: int, *mode: str) -> Iterator[Crash]:
    """crashing_judge.py on `<name>-root`, once its case runs (its workspace's `ready`);
    killed with SIGKILL at the end whatever happens."""
    work_root, canary = shared_tmp / f"{name}-root", shared_tmp / f"{name}-canary"
    canary.mkdir()
    (canary / "file").write_text("keep me\n")
    argv = [sys.executable, str(HERE / "crashing_judge.py"), str(work_root), str(uid_base),
            str(canary), *mode]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        workspace = Path(info["workspace"])
        deadline = time.monotonic() + 10
        while not (workspace / "ready").exists():
            assert time.monotonic() < deadline, "the crashing judge never started its case"
            time.sleep(0.01)
        yield Crash(proc, info, work_root, canary)
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_next_start_sweeps_a_killed_judgebox(
    sandbox: Sandbox, shared_tmp: Path, subprocess_uid_base: int
) -> None:
    with crashing_judge(shared_tmp, "crash", subprocess_uid_base) as crash:
        info, work_root, canary = crash.info, crash.work_root, crash.canary
        sleeper = [p for p in processes_of_uid(info["uid"]) if p.name == "sleep"]
        assert len(sleeper) == 1
        orphans = descendants(crash.proc.pid)
        crash.kill()
    reap_orphans(orphans)

    # What the dead process left: its cgroups and work directory (nobody cleaned up).
    assert instance_cgroup_dirs(sandbox, info["instance"])
    assert (work_root / info["instance"]).is_dir()

    start = subprocess.run(
        [sys.executable, "-c", NEXT_START, str(work_root), str(subprocess_uid_base)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    log = start.stderr
    assert "swept" in log and info["instance"] in log, log
    assert not instance_cgroup_dirs(sandbox, info["instance"])
    assert not (work_root / info["instance"]).exists()
    assert sleeper[0].pid not in {p.pid for p in all_processes()}, "the sleep survived"
    assert not processes_of_uid(info["uid"])
    # Removing the dead run's workspace never followed the links planted in it.
    assert (canary / "file").read_text() == "keep me\n"
    # The live session sandbox (another instance) was left alone.
    assert instance_cgroup_dirs(sandbox, sandbox.instance)
    assert sandbox.instance_dir.is_dir()


def test_next_start_says_which_isolation_is_in_force(
    shared_tmp: Path, subprocess_uid_base: int
) -> None:
    start = subprocess.run(
        [sys.executable, "-c", NEXT_START, str(shared_tmp / "quiet-root"),
         str(subprocess_uid_base)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )  # fmt: skip
    lines = [line for line in start.stderr.splitlines() if line.startswith("isolation:")]
    assert len(lines) == 1, start.stderr
    line = lines[0]
    for layer in ("bubblewrap", "user, pid, net", "cgroup v", "seccomp", "unprivileged uid"):
        assert layer in line, line
    assert "INSECURE" not in start.stderr


def test_the_session_sandbox_has_every_layer(sandbox: Sandbox) -> None:
    report = sandbox.isolation
    assert report.complete, report.problems
    assert report.user_namespaces and report.seccomp and report.uid_drop
    assert report.cgroups is not None and report.cgroups.version in (1, 2)
    assert report.summary().startswith("isolation: bubblewrap")


def test_a_box_dies_with_its_judgebox_process_mid_case(
    shared_tmp: Path, subprocess_uid_base: int
) -> None:
    """SIGKILL of the judgebox process mid-case ends the whole box without any sweep.

    Its parent-death signal ties the box to bwrap's outer process, not to the judgebox
    process, and the kernel clears it at the uid change anyway; the supervisor was
    blocked in wait4 on the case, so a spinning program ran on with no watchdog.
    """
    with crashing_judge(shared_tmp, "spin", subprocess_uid_base, "spin") as crash:
        info = crash.info
        box_processes = processes_of_uid(info["uid"])
        assert {p.name for p in box_processes} >= {"bwrap", "supervisor", "sh"}, box_processes
        orphans = descendants(crash.proc.pid)
        crash.kill()
    reap_orphans(orphans, timeout=10.0)
    deadline = time.monotonic() + 10  # generous: the point is "dies", not "how fast"
    while processes_of_uid(info["uid"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not processes_of_uid(info["uid"]), processes_of_uid(info["uid"])


def test_next_start_kills_the_boxes_of_a_killed_judgebox(
    shared_tmp: Path, subprocess_uid_base: int
) -> None:
    """The start-up sweep kills a stale instance's whole box, not only its case processes.

    The box has lost its parent-death signal (as the kernel may clear it) and its
    supervisor is stopped, so it cannot end the box itself when its judgebox process
    dies: only the sweep of the next start can. The outer bwrap and the
    supervisor used to be in no cgroup of the instance, so the sweep never saw them.
    """
    uid: int | None = None
    try:
        with crashing_judge(
            shared_tmp, "stopped", subprocess_uid_base, "spin", "lost-parent-death"
        ) as crash:
            info, work_root, canary = crash.info, crash.work_root, crash.canary
            uid = info["uid"]
            supervisors = [p for p in processes_of_uid(uid) if p.name == "supervisor"]
            assert len(supervisors) == 1 and supervisors[0].nspid[-1] == 1, supervisors
            os.kill(supervisors[0].pid, signal.SIGSTOP)
            orphans = descendants(crash.proc.pid)
            crash.kill()
            reap_orphans([p for p in orphans if p != supervisors[0].pid], timeout=0.5)
            # The box outlives its judgebox process (so what follows really tests the sweep).
            alive = {p.name for p in processes_of_uid(uid) if p.state != "Z"}
            assert {"supervisor", "sh"} <= alive, alive

            sandbox = Sandbox.open(
                SandboxConfig(work_root=work_root, uid_base=subprocess_uid_base, uid_count=2)
            )
            try:
                deadline = time.monotonic() + 10  # generous: "killed", not how fast
                while [p for p in processes_of_uid(uid) if p.state != "Z"]:
                    assert time.monotonic() < deadline, processes_of_uid(uid)
                    reap_orphans(orphans, timeout=0.01)
                reap_orphans(orphans, timeout=5.0)
                assert not processes_of_uid(uid), processes_of_uid(uid)
                assert not instance_cgroup_dirs(sandbox, info["instance"])
                assert not (work_root / info["instance"]).exists()
                assert (canary / "file").read_text() == "keep me\n"
            finally:
                sandbox.close()
    finally:
        if uid is not None:  # a failing test leaves nothing running
            for p in processes_of_uid(uid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p.pid, signal.SIGKILL)
            reap_orphans([p.pid for p in processes_of_uid(uid)], timeout=2.0)


@pytest.mark.anyio
async def test_the_last_resort_kill_picks_only_that_instance_and_those_uids(
    box: Box, sandbox: Sandbox
) -> None:
    """The sweep's uid-based kill names a process only if its cgroups name the instance."""
    uid = box.ctx.uid
    mine = {p.pid for p in processes_of_uid(uid)}
    assert len(mine) == 2, mine  # bwrap's outer process and the supervisor
    assert set(cgroups.members_of({sandbox.instance}, range(uid, uid + 1))) == mine
    # Another instance (a live neighbour's, say) or other uids: nothing.
    assert not cgroups.members_of({sandbox.instance + "0"}, range(uid, uid + 1))
    assert not cgroups.members_of({sandbox.instance}, range(uid + 1, uid + 8))


def test_a_judgebox_killed_while_boxes_start_leaves_no_box_behind(
    shared_tmp: Path, subprocess_uid_base: int
) -> None:
    """Killed at any point of a box start, a judgebox process takes all of that box with it.

    bwrap's `--die-with-parent` used to kill its outer process between its clone and the
    go-ahead it gives the child; the child then waited for ever, a box-uid process in no
    cgroup of the instance (9 of 40 kills at random points left one). Each round kills the
    process at a random point of its start loop; nothing of the box uids may live on.
    """
    rng = random.Random(20261201)
    uids = range(subprocess_uid_base, subprocess_uid_base + 2)
    left: list[str] = []
    for round_ in range(15):
        work_root = shared_tmp / f"start-loop-{round_}"
        looping = subprocess.Popen(
            [sys.executable, str(HERE / "box_start_loop.py"), str(work_root),
             str(subprocess_uid_base)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert looping.stdout is not None
        assert looping.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.02, 0.3))
        orphans = descendants(looping.pid)
        looping.send_signal(signal.SIGKILL)
        looping.wait()
        looping.stdout.close()
        deadline = time.monotonic() + 5  # generous: the point is "dies", not "how fast"
        while (alive := live_processes_of(uids)) and time.monotonic() < deadline:
            reap_orphans(orphans, timeout=0.01)
        reap_orphans(orphans, timeout=1.0)
        left += [f"round {round_}: {p}" for p in alive]
        # The next start sweeps whatever did stay, so that one failure does not spill over.
        Sandbox.open(
            SandboxConfig(work_root=work_root, uid_base=subprocess_uid_base, uid_count=2)
        ).close()
        reap_orphans(orphans, timeout=1.0)
    assert not left, left


def live_processes_of(uids: range) -> list[str]:
    """`pid name state wchan` of each process (zombies aside) whose uid is in `uids`."""
    found = []
    for uid in uids:
        for p in processes_of_uid(uid):
            if p.state != "Z":
                wchan = ""
                with contextlib.suppress(OSError):
                    wchan = Path(f"/proc/{p.pid}/wchan").read_text()
                found.append(f"{p.pid} {p.name} {p.state} {wchan}")
    return found
