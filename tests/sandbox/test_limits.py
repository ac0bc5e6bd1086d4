"""Hostile programs against the limits: memory, output, CPU and wall time, stdin, binary output.

Each test asserts the status the program must get and what must not happen on
the host (a capture file past its cap, a process that keeps running).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from host_state import assert_case_gone

from judgebox.sandbox import Box, ExecStatus, Sandbox
from judgebox.vocabulary.limits import Limits

if TYPE_CHECKING:  # the fixture's type (conftest is not importable by name)
    from conftest import CPrograms

pytestmark = pytest.mark.anyio
PY = "/usr/bin/python3"
MiB = 1024 * 1024
# 1 s of CPU, and a wall limit far away: on a loaded machine (other test suites on the same
# two cores) a CPU-bound program must still end on its CPU limit, not on the wall clock.
CPU_BOUND = Limits(cpu_time=1, wall_time=30)

MEMORY_BOMB = r"""
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
int main(int argc, char **argv) {
    size_t total = (size_t)atoll(argv[1]) << 20;
    int touch = argv[2][0] == 't';
    char *p = malloc(total);
    if (!p) { puts("malloc failed"); return 3; }
    if (touch) for (size_t i = 0; i < total; i += 4096) p[i] = 1;
    printf("survived %zu MiB\n", total >> 20);
    return 0;
}
"""

BUSY_THREADS = r"""
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
static void *spin(void *arg) { volatile unsigned long n = 0; for (;;) n++; return arg; }
int main(int argc, char **argv) {
    int threads = atoi(argv[1]);
    signal(SIGXCPU, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    pthread_t t;
    for (int i = 1; i < threads; i++) pthread_create(&t, 0, spin, 0);
    spin(0);
}
"""

CPU_THREADS = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static long budget_ms;
static void *spin(void *arg) {
    struct timespec ts;
    do clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < budget_ms);
    return arg;
}
int main(int argc, char **argv) {
    int threads = atoi(argv[1]);
    budget_ms = atol(argv[2]);
    pthread_t t[64];
    for (int i = 0; i < threads; i++) pthread_create(&t[i], 0, spin, 0);
    for (int i = 0; i < threads; i++) pthread_join(t[i], 0);
    puts("done");
}
"""


async def test_memory_bomb_touched_is_memory_limit(box: Box, programs: CPrograms) -> None:
    prog = programs.build("membomb", MEMORY_BOMB)
    r = await box.run([prog, "1024", "touch"], limits=Limits(memory=64 * MiB))
    assert r.status is ExecStatus.MEMORY_LIMIT, r
    assert r.signal == "SIGKILL"
    assert b"survived" not in r.stdout
    assert 60 * MiB <= r.memory <= 66 * MiB  # the peak is the cgroup's, at the limit


async def test_memory_bomb_untouched_is_not_memory_limit(box: Box, programs: CPrograms) -> None:
    """Decision: memory is what the program really uses (resident pages charged to its cgroup),
    not what it reserves. An 8 GiB malloc that is never touched is OK and reports little memory,
    as on Codeforces/DMOJ with cgroup accounting; RLIMIT_AS is not used (the JVM reserves GiBs)."""
    prog = programs.build("membomb", MEMORY_BOMB)
    r = await box.run([prog, "8192", "lazy"], limits=Limits(memory=64 * MiB))
    assert r.status is ExecStatus.OK, r
    assert r.stdout == b"survived 8192 MiB\n"
    assert r.memory < 16 * MiB


async def test_stdout_flood_is_output_limit_and_capture_stays_capped(
    box: Box, sandbox: Sandbox
) -> None:
    limit = 1 * MiB
    scratch = box.ctx.scratch
    biggest = 0

    async def watch_capture() -> None:
        nonlocal biggest
        while True:
            for entry in os.scandir(scratch):
                with _suppress_gone():
                    biggest = max(biggest, entry.stat(follow_symlinks=False).st_size)
            await asyncio.sleep(0.001)

    watcher = asyncio.create_task(watch_capture())
    code = "import sys\nb=b'x'*65536\nwhile True: sys.stdout.buffer.write(b)"
    r = await box.run([PY, "-S", "-c", code], limits=Limits(output=limit, cpu_time=5))
    watcher.cancel()
    assert r.status is ExecStatus.OUTPUT_LIMIT, r
    assert r.stdout_truncated
    assert len(r.stdout) == limit
    assert 0 < biggest <= limit + 1, f"capture file reached {biggest} bytes on the host"
    # A box keeps its capture files for the next case, emptied: nothing of the output stays.
    left = {e.name: e.stat(follow_symlinks=False).st_size for e in os.scandir(scratch)}
    assert all(size == 0 for size in left.values()), f"capture files not emptied: {left}"


async def test_a_reused_capture_file_holds_only_this_cases_output(box: Box) -> None:
    """The capture files carry over from case to case: emptied and rewound, never a hole
    of zeros or the end of a longer earlier output."""
    long = "print('x' * 5000); import sys; print('e' * 3000, file=sys.stderr)"
    first = await box.run([PY, "-S", "-c", long], limits=Limits())
    assert first.status is ExecStatus.OK, first
    assert len(first.stdout) == 5001 and len(first.stderr) == 3001
    short = "print('ok'); import sys; print('E', file=sys.stderr)"
    second = await box.run([PY, "-S", "-c", short], limits=Limits())
    assert second.stdout == b"ok\n", second.stdout[:40]
    assert second.stderr == b"E\n", second.stderr[:40]


async def test_stdout_flood_into_a_host_file_never_passes_the_cap(
    box: Box, shared_tmp: Path
) -> None:
    limit = 256 * 1024
    target = shared_tmp / "flood.out"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # run() consumes it
    code = "import os\nwhile True: os.write(1, b'y'*4096)"
    r = await box.run([PY, "-S", "-c", code], limits=Limits(output=limit), stdout=fd)
    assert r.status is ExecStatus.OUTPUT_LIMIT, r  # Python ignores SIGXFSZ: it exits on EFBIG
    assert target.stat().st_size <= limit + 1


async def test_stderr_flood_is_capped_and_marked_truncated(box: Box) -> None:
    code = "import os\nfor _ in range(256): os.write(2, b'e'*4096)\nprint('done')"
    r = await box.run([PY, "-S", "-c", code], limits=Limits(stderr=4096))
    assert r.status is ExecStatus.OK, r
    assert r.stdout == b"done\n"
    assert r.stderr == b"e" * 4096
    assert r.stderr_truncated


async def test_busy_loop_is_cpu_time_limit_at_the_limit(box: Box) -> None:
    r = await box.run([PY, "-S", "-c", "while True: pass"], limits=CPU_BOUND)
    assert r.status is ExecStatus.TIME_LIMIT, r
    assert r.time_limit_kind == "cpu"
    # Killed promptly, measured in the program's own CPU time (a wall-clock latency grows
    # with the host's load; a kill that came late lets the loop burn on past the limit).
    assert 1.0 <= r.cpu_time < 1.1
    # On an idle machine the wall time is the CPU time; other load only stretches both.
    assert r.wall_time < 1.5 or os.getloadavg()[0] > 1.5, r


async def test_threads_share_one_cpu_budget(box: Box, programs: CPrograms) -> None:
    """Three threads of 0.45 s CPU each: no thread reaches 1 s, the process does."""
    prog = programs.build("cputhreads", CPU_THREADS, pthread=True)
    r = await box.run([prog, "3", "450"], limits=CPU_BOUND)
    assert r.status is ExecStatus.TIME_LIMIT, r
    assert r.time_limit_kind == "cpu"
    assert 1.0 <= r.cpu_time < 1.2
    assert b"done" not in r.stdout
    # The same program within its budget is OK: the limit is not hit by accident.
    r = await box.run([prog, "3", "100"], limits=CPU_BOUND)
    assert r.status is ExecStatus.OK, r
    assert r.stdout == b"done\n"
    assert r.cpu_time >= 0.3


async def test_ignoring_sigxcpu_and_sigterm_is_still_time_limit(
    box: Box, sandbox: Sandbox, programs: CPrograms
) -> None:
    prog = programs.build("busythreads", BUSY_THREADS, pthread=True)
    r = await box.run([prog, "2"], limits=CPU_BOUND)
    assert r.status is ExecStatus.TIME_LIMIT, r
    assert r.signal == "SIGKILL"
    # Two spinning threads: a kill that waited for them to give up would let them burn on.
    assert 1.0 <= r.cpu_time < 1.2


async def test_sleeping_program_is_killed_at_the_wall_limit(box: Box) -> None:
    limits = Limits(cpu_time=1)  # wall limit derived: 2 * cpu + 1 = 3 s
    r = await box.run(["/usr/bin/sleep", "10"], limits=limits)
    assert r.status is ExecStatus.TIME_LIMIT, r
    assert r.time_limit_kind == "wall"
    assert limits.effective_wall_time <= r.wall_time < limits.effective_wall_time + 0.3
    assert r.cpu_time < 0.1
    assert_case_gone(box.ctx.uid)


async def test_ignoring_fifty_mib_of_stdin_is_ok_and_quick(box: Box, shared_tmp: Path) -> None:
    big = shared_tmp / "big.in"
    with open(big, "wb") as f:
        f.truncate(50 * MiB)
    r = await box.run(["/usr/bin/true"], limits=Limits(), stdin=big)
    assert r.status is ExecStatus.OK, r
    assert r.wall_time < 0.5  # not reading it: nothing waits on a pipe


async def test_binary_output_is_preserved_byte_for_byte(box: Box) -> None:
    code = "import sys\nsys.stdout.buffer.write(bytes(range(256)) * 300 + b'\\r\\n\\x00')"
    r = await box.run([PY, "-S", "-c", code], limits=Limits())
    assert r.status is ExecStatus.OK, r
    assert r.stdout == bytes(range(256)) * 300 + b"\r\n\x00"


async def test_static_and_dynamic_c_programs_run(box: Box, programs: CPrograms) -> None:
    source = '#include <stdio.h>\nint main(void) { puts("hello"); return 7; }\n'
    for name, static in (("hello_static", True), ("hello_dynamic", False)):
        prog = programs.build(name, source, static=static)
        r = await box.run([prog], limits=Limits())
        assert r.status is ExecStatus.NONZERO_EXIT, r
        assert (r.exit_code, r.stdout) == (7, b"hello\n")


class _suppress_gone:
    """Ignore a capture file that vanished between listing and stat."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> bool:
        return kind is FileNotFoundError


async def test_a_box_that_does_not_stop_after_a_kill_is_an_internal_error(
    box: Box, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No grace at all after the limit kill: the supervisor cannot report in time, which
    # is what a box that does not stop looks like. Nothing was measured: IE, not TLE 0 ms.
    import judgebox.sandbox.box as box_module

    monkeypatch.setattr(box_module, "EXIT_GRACE", 0.0)
    result = await box.run([PY, "-c", "while True: pass"], limits=Limits(cpu_time=0.2))
    assert result.status is ExecStatus.INTERNAL_ERROR, result
    assert "did not stop" in result.message and "cpu limit" in result.message
    monkeypatch.undo()
    again = await box.run([PY, "-c", "print('ok')"], limits=Limits(cpu_time=5))
    assert again.ok and again.stdout == b"ok\n"  # the box restarts for the next case
