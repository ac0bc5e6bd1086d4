"""Hostile process trees: fork bombs, daemons, cancellation, zombies, a crashed judgebox.

What must not happen is checked on the host through /proc and /sys/fs/cgroup:
no process of the box uid outlives its case, no case cgroup outlives its run,
no zombie piles up under the judging process.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from typing import TYPE_CHECKING

import pytest
from host_state import (
    assert_case_gone,
    box_cgroup_dirs,
    case_cgroup_dirs,
    cgroup_pids,
    kept_cgroup_dirs,
    per_case_cgroup_dirs,
    processes_of_uid,
    zombie_children,
)

from judgebox.sandbox import Box, ExecStatus, Mount, Sandbox
from judgebox.vocabulary.limits import Limits

if TYPE_CHECKING:  # the fixture's type (conftest is not importable by name)
    from conftest import CPrograms

pytestmark = pytest.mark.anyio
# Long enough that only something left running fails it on a loaded host; how fast it goes
# is a benchmark's figure (bench_sandbox.py: cancel to all dead), not a test's.
GONE_WITHIN = 3.0

FORK_BOMB = r"""
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argv[1][0] == 'f') for (;;) fork();            /* the classic: forever */
    int made = 0;                                        /* polite: count, then leave */
    for (;;) {
        pid_t pid = fork();
        if (pid == 0) { pause(); _exit(0); }
        if (pid < 0) { printf("%d %d\n", made, errno); return 0; }
        made++;
    }
}
"""

SPINNERS = r"""
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int children = atoi(argv[1]);
    for (int i = 0; i < children; i++) if (fork() == 0) break;
    volatile unsigned long n = 0;
    for (;;) n++;
}
"""

DAEMON = r"""
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    if (fork() == 0) {
        setsid();
        if (fork() == 0) {
            signal(SIGHUP, SIG_IGN); signal(SIGTERM, SIG_IGN);
            for (;;) sleep(100);
        }
        _exit(0);
    }
    puts("main done");
    return 0;
}
"""


async def watch_case_pids(sandbox: Sandbox, peak: list[int]) -> None:
    """Record the largest number of processes seen in any case cgroup."""
    while True:
        for case_dir in case_cgroup_dirs(sandbox):
            peak[0] = max(peak[0], len(cgroup_pids(case_dir)))
        await asyncio.sleep(0.002)


async def test_fork_bomb_is_held_by_the_pids_limit(
    box: Box, sandbox: Sandbox, programs: CPrograms
) -> None:
    prog = programs.build("forkbomb", FORK_BOMB)
    limits = Limits(processes=32)
    r = await box.run([prog, "count"], limits=limits)
    assert r.status is ExecStatus.OK, r
    made, err = map(int, r.stdout.split())
    assert made == limits.processes - 1  # the program itself is one of them
    assert err == 11  # EAGAIN
    assert_case_gone(box.ctx.uid)

    peak = [0]
    watcher = asyncio.create_task(watch_case_pids(sandbox, peak))
    r = await box.run([prog, "forever"], limits=limits.replace(cpu_time=0.5))
    watcher.cancel()
    assert r.status in {ExecStatus.TIME_LIMIT, ExecStatus.SIGNALED, ExecStatus.NONZERO_EXIT}, r
    assert 0 < peak[0] <= limits.processes
    assert_case_gone(box.ctx.uid)
    assert (await box.run(["/usr/bin/true"], limits=Limits())).ok
    assert box.starts == 1


async def test_the_case_after_a_fork_bomb_gets_its_own_process_limit_and_cpu_counter(
    box: Box, sandbox: Sandbox, programs: CPrograms
) -> None:
    """On cgroup v1 a box keeps its cases' pids and cpuacct cgroups from case to case.
    The kill of a fork bomb sets pids.max to 0 there and the bomb's CPU is counted there:
    the next cases must get their own process limit back and a CPU counter from 0."""
    prog = programs.build("forkbomb", FORK_BOMB)
    bomb = await box.run([prog, "forever"], limits=Limits(processes=16, cpu_time=0.3))
    assert bomb.status in {ExecStatus.TIME_LIMIT, ExecStatus.SIGNALED}, bomb
    assert bomb.cpu_time >= 0.3
    kept = kept_cgroup_dirs(sandbox)
    for processes in (32, 8, 8):
        r = await box.run([prog, "count"], limits=Limits(processes=processes))
        assert r.status is ExecStatus.OK, r
        made, err = map(int, r.stdout.split())
        assert (made, err) == (processes - 1, 11)  # EAGAIN at its own limit, not at 0
        assert r.cpu_time < 0.3  # not the bomb's CPU
        assert kept_cgroup_dirs(sandbox) == kept  # the same kept cgroups all along
    assert box.starts == 1


async def test_a_box_whose_context_drops_cgroups_drops_its_kept_ones(
    box: Box, sandbox: Sandbox
) -> None:
    """bench_sandbox.py runs a box with and without cgroups by turns (its context
    changes): the cgroups kept from the last case are removed, not used half-made."""
    real_ctx = box.ctx
    try:
        for _ in range(3):
            for ctx in (real_ctx, dataclasses.replace(real_ctx, cgroups=None)):
                box.ctx = ctx
                r = await box.run(["/usr/bin/true"], limits=Limits())
                assert r.ok, r
        await asyncio.sleep(0.1)  # the cleanup step after the run removes them
        assert not case_cgroup_dirs(sandbox)
    finally:
        box.ctx = real_ctx


async def test_double_forked_daemon_dies_with_its_case(box: Box, programs: CPrograms) -> None:
    prog = programs.build("daemon", DAEMON)
    r = await box.run([prog], limits=Limits())
    assert r.status is ExecStatus.OK, r
    assert r.stdout == b"main done\n"
    assert_case_gone(box.ctx.uid)


async def test_cancelled_run_leaves_nothing(sandbox: Sandbox, programs: CPrograms) -> None:
    """The judge's shape: a task owns a box and awaits a run; the client goes away.

    How fast is bench_sandbox.py's figure (cancel to all dead, p99): a test asserts no time."""
    prog = programs.build("spinners", SPINNERS)
    uid: list[int] = []

    async def judge() -> None:
        async with sandbox.box([Mount(programs.directory, "/box")]) as box:
            uid.append(box.ctx.uid)
            await box.run([prog, "20"], limits=Limits(cpu_time=60, wall_time=60))

    task = asyncio.create_task(judge())
    await wait_for_case_pids(sandbox, 21)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    while processes_of_uid(uid[0]) or case_cgroup_dirs(sandbox) or box_cgroup_dirs(sandbox):
        assert time.monotonic() - started < GONE_WITHIN, (processes_of_uid(uid[0]),
                                                          case_cgroup_dirs(sandbox))  # fmt: skip
        await asyncio.sleep(0.001)


async def test_cancelled_run_in_a_kept_box_leaves_nothing_and_the_box_restarts(
    box: Box, sandbox: Sandbox, programs: CPrograms
) -> None:
    """Only the run is cancelled: its processes and cgroup go at once, the box comes back."""
    prog = programs.build("spinners", SPINNERS)
    task = asyncio.create_task(box.run([prog, "20"], limits=Limits(cpu_time=60, wall_time=60)))
    await wait_for_case_pids(sandbox, 21)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    uid = box.ctx.uid
    while processes_of_uid(uid) or case_cgroup_dirs(sandbox):
        assert time.monotonic() - started < GONE_WITHIN, (processes_of_uid(uid),
                                                          case_cgroup_dirs(sandbox))  # fmt: skip
        await asyncio.sleep(0.001)
    assert zombie_children() == []
    r = await box.run(["/usr/bin/true"], limits=Limits())
    assert r.ok, r
    assert box.starts == 2


async def wait_for_case_pids(sandbox: Sandbox, count: int, timeout: float = 5.0) -> None:
    """Wait until one case cgroup holds `count` processes."""
    deadline = time.monotonic() + timeout
    while not any(len(cgroup_pids(d)) >= count for d in case_cgroup_dirs(sandbox)):
        assert time.monotonic() < deadline, "the program never started its children"
        await asyncio.sleep(0.002)


async def test_five_hundred_runs_leave_no_zombie(box: Box, sandbox: Sandbox) -> None:
    for _ in range(500):
        r = await box.run(["/usr/bin/true"], limits=Limits())
        assert r.ok, r
    assert box.starts == 1
    assert zombie_children() == []
    assert_case_gone(box.ctx.uid)
    assert not per_case_cgroup_dirs(sandbox)
    # What the box keeps from case to case (cgroup v1's pids and cpuacct) is one set,
    # empty; the box's close removes it (checked by the fixture).
    kept = kept_cgroup_dirs(sandbox)
    layout = sandbox.isolation.cgroups
    assert layout is not None
    assert len(kept) == (2 if layout.version == 1 else 0), kept
    assert all(cgroup_pids(d) == [] for d in kept), kept


async def test_the_box_itself_is_in_a_cgroup_of_the_instance_and_its_cases_are_not(
    sandbox: Sandbox, programs: CPrograms
) -> None:
    """bwrap's outer process and the supervisor are in the box's cgroup (every hierarchy),
    so that a later start can kill them by cgroup; a case's processes are in the case's
    cgroup only (its counters are its own); the box cgroup goes with the box."""
    prog = programs.build("spinners", SPINNERS)
    async with sandbox.box([Mount(programs.directory, "/box")]) as box:
        task = asyncio.create_task(box.run([prog, "3"], limits=Limits(cpu_time=60, wall_time=60)))
        try:
            await wait_for_case_pids(sandbox, 4)
            box_dirs = box_cgroup_dirs(sandbox)
            layout = sandbox.isolation.cgroups
            assert layout is not None
            assert len(box_dirs) == len(set(layout.roots.values())), box_dirs
            mine = {p.pid: p for p in processes_of_uid(box.ctx.uid)}
            outer = {pid for pid, p in mine.items() if p.name == "bwrap"}
            init = {pid for pid, p in mine.items() if p.nspid[-1:] == (1,)}
            assert len(outer) == 1 and len(init) == 1, mine
            for d in box_dirs:
                assert set(cgroup_pids(d)) == outer | init, (d, mine)
            cases = [pid for d in case_cgroup_dirs(sandbox) for pid in cgroup_pids(d)]
            assert set(cases) == set(mine) - outer - init, (cases, mine)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert not box_cgroup_dirs(sandbox)
