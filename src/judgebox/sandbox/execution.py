"""What one sandboxed execution did: `ExecResult`, with one status chosen by a fixed precedence.

Precedence (the first that applies wins), as CMS does:
internal error > output limit > memory limit > time limit (CPU or wall) > signal > non-zero
exit > ok.
"""

from __future__ import annotations

import os
import signal as signals
from dataclasses import dataclass
from enum import StrEnum


class ExecStatus(StrEnum):
    """One word for how an execution ended."""

    OK = "ok"
    NONZERO_EXIT = "nonzero-exit"
    SIGNALED = "signaled"
    TIME_LIMIT = "time-limit"
    MEMORY_LIMIT = "memory-limit"
    OUTPUT_LIMIT = "output-limit"
    INTERNAL_ERROR = "internal-error"


@dataclass(frozen=True, slots=True)
class ExecResult:
    """Everything measured about one execution. Times in seconds, memory in bytes."""

    status: ExecStatus
    exit_code: int | None
    signal: str | None
    cpu_time: float
    wall_time: float
    memory: int
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    stderr_size: int = 0  # bytes written to stderr (only the first `limits.stderr` are kept)
    time_limit_kind: str | None = None  # "cpu" or "wall" when status is TIME_LIMIT
    message: str = ""  # why, for internal errors and limits
    # CLOCK_MONOTONIC (time.monotonic's clock) when the box reaped the program, or None:
    # one clock for every box, so two runs' ends can be ordered (interactive problems).
    ended_at: float | None = None

    @property
    def ok(self) -> bool:
        """Exited with status 0 within every limit."""
        return self.status is ExecStatus.OK


def signal_name(number: int) -> str:
    """`SIGKILL` for 9; `SIG<n>` for numbers Python does not name."""
    try:
        return signals.Signals(number).name
    except ValueError:
        return f"SIG{number}"


@dataclass(frozen=True, slots=True)
class Observation:
    """The raw facts gathered about an execution, before a status is chosen."""

    wait_status: int | None  # None when the program never ran (internal error)
    cpu_time: float
    wall_time: float
    memory: int
    cpu_limit: float
    wall_limit: float
    memory_limit: int
    output_size: int
    output_limit: int
    oom_killed: bool
    killed_for: str | None  # "cpu" or "wall" when the host killed it for a limit (output: by size)
    internal_error: str | None = None
    ended_at: float | None = None  # CLOCK_MONOTONIC at the reaping, when the box said


def classify(
    o: Observation, output_size: int | None = None
) -> tuple[ExecStatus, int | None, str | None, str | None, str]:
    """Pick (status, exit_code, signal, time_limit_kind, message) by the fixed precedence.

    `output_size`: the captured stdout's size, when it was measured after `o` was made
    (instead of `o.output_size`).
    """
    if o.internal_error is not None or o.wait_status is None:
        return ExecStatus.INTERNAL_ERROR, None, None, None, o.internal_error or "did not run"
    exit_code = os.WEXITSTATUS(o.wait_status) if os.WIFEXITED(o.wait_status) else None
    signo = os.WTERMSIG(o.wait_status) if os.WIFSIGNALED(o.wait_status) else None
    sig = signal_name(signo) if signo is not None else None
    size = o.output_size if output_size is None else output_size
    if size > o.output_limit or signo == signals.SIGXFSZ:
        return ExecStatus.OUTPUT_LIMIT, exit_code, sig, None, "output limit exceeded"
    if o.oom_killed:
        return ExecStatus.MEMORY_LIMIT, exit_code, sig, None, "memory limit exceeded"
    if o.killed_for == "cpu" or o.cpu_time > o.cpu_limit or signo == signals.SIGXCPU:
        return ExecStatus.TIME_LIMIT, exit_code, sig, "cpu", "CPU time limit exceeded"
    if o.killed_for == "wall" or o.wall_time > o.wall_limit:
        return ExecStatus.TIME_LIMIT, exit_code, sig, "wall", "wall-clock time limit exceeded"
    if signo is not None:
        return ExecStatus.SIGNALED, None, sig, None, f"killed by {sig}"
    if exit_code:
        return ExecStatus.NONZERO_EXIT, exit_code, None, None, f"exit code {exit_code}"
    return ExecStatus.OK, 0, None, None, ""
