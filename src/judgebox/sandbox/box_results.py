"""Reading a box's results: the measured facts of one case, its output files, its status.

`observe` gathers the counters after the supervisor's EXITED record, `result` reads the
capture files (capped) and classifies (execution.classify), `internal` is the observation
of a case that never ran or whose box broke.
"""

from __future__ import annotations

import os

from judgebox.sandbox.cgroups import CaseCgroup
from judgebox.sandbox.execution import ExecResult, Observation, classify
from judgebox.sandbox.protocol import Reply
from judgebox.vocabulary.limits import Limits


def observe(
    reply: Reply, limits: Limits, cg: CaseCgroup | None, killed_for: str | None
) -> Observation:
    """The facts of one finished case: counters from its cgroup, or rusage without one."""
    if cg is not None:
        # Whatever the program left behind (daemons) dies with the case.
        cg.emptied = cg.kill_all()
        cpu = cg.cpu_time()
        memory = cg.memory_peak() or reply.maxrss_kb * 1024
        oom = cg.oom_killed()
    else:
        cpu = (reply.utime_us + reply.stime_us) / 1e6
        memory = reply.maxrss_kb * 1024
        oom = False
    return Observation(
        wait_status=reply.status,
        cpu_time=cpu,
        wall_time=reply.wall_ns / 1e9,
        memory=memory,
        cpu_limit=limits.cpu_time,
        wall_limit=limits.effective_wall_time,
        memory_limit=limits.memory,
        output_size=0,
        output_limit=limits.output,
        oom_killed=oom,
        killed_for=killed_for,
        ended_at=reply.ended_ns / 1e9 if reply.ended_ns else None,
    )


def result(o: Observation, limits: Limits, out_fd: int | None, err_fd: int) -> ExecResult:
    """The result of one case: its capture files read (capped), its status classified.

    `out_fd` and `err_fd` are the host's own fds of the capture files (None: stdout was
    not captured); they are read from offset 0, whatever the box's shared offset is.
    """
    stdout, out_size = read_capped(out_fd, limits.output) if out_fd is not None else (b"", 0)
    stderr, err_size = read_capped(err_fd, limits.stderr)
    status, exit_code, sig, kind, message = classify(
        o, output_size=out_size if out_fd is not None else None
    )
    return ExecResult(
        status=status,
        exit_code=exit_code,
        signal=sig,
        cpu_time=o.cpu_time,
        wall_time=o.wall_time,
        memory=o.memory,
        stdout=stdout,
        stderr=stderr,
        stdout_truncated=out_size > len(stdout),
        stderr_truncated=err_size > len(stderr),
        stderr_size=err_size,
        time_limit_kind=kind,
        message=message,
        ended_at=o.ended_at,
    )


def internal(limits: Limits, message: str, killed_for: str | None = None) -> Observation:
    """The observation of a case that did not run to an end the box could report."""
    return Observation(
        wait_status=None if killed_for is None else 9,
        cpu_time=0.0,
        wall_time=0.0,
        memory=0,
        cpu_limit=limits.cpu_time,
        wall_limit=limits.effective_wall_time,
        memory_limit=limits.memory,
        output_size=0,
        output_limit=limits.output,
        oom_killed=False,
        killed_for=killed_for,
        internal_error=None if killed_for is not None else message,
    )


def read_capped(fd: int, cap: int) -> tuple[bytes, int]:
    """The first `cap` bytes of a capture file (by the host's fd) and its full size."""
    size = os.fstat(fd).st_size
    want = min(cap, size)
    data = os.pread(fd, want, 0)
    if len(data) < want:  # a short read (huge files): go on until `want` or the end
        chunks = [data]
        got = len(data)
        while got < want and (chunk := os.pread(fd, want - got, got)):
            chunks.append(chunk)
            got += len(chunk)
        data = b"".join(chunks)
    return data, size
