"""Run one command and leave nothing behind: `python -I -S probe_reaper.py SECONDS ARGV...`.

A version probe is run through this script (toolchains.py). It makes itself a child
subreaper, so whatever the command leaves when it exits (Erlang's inet_gethost and
erl_child_setup, a compiler's daemon) is handed to it rather than to the judge, which
is a subreaper too and would hold them as zombies. When the command has exited, after
SECONDS from its start, or on SIGTERM, every process still below this one is killed and
reaped; then it exits with the command's status (128 + N for signal N), TIMED_OUT if
the command did not end in time, or 127 and a message if it cannot start.

It runs under `python -I -S`: it imports only the standard library, nothing of ours.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
TIMED_OUT = 124  # as timeout(1) says it


# Taken by sigwaitinfo, never by a handler: a SIGTERM (the caller gives up) that comes
# during the clear-up stays pending instead of cutting it short.
_AWAITED = {signal.SIGCHLD, signal.SIGTERM}


def _children() -> list[int]:
    """This process's children now, zombies included (it has one thread; the file is
    CONFIG_PROC_CHILDREN's, in Debian's kernels)."""
    pid = os.getpid()
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def _kill_and_reap_everything() -> None:
    """Kill every process below this one and reap it, until none is left.

    A killed child's own children are handed to this subreaper as it dies, so they are
    children by the next round.
    """
    while True:
        for child in _children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def run(seconds: float, argv: list[str]) -> int:
    """Run `argv` for at most `seconds`, then clear up below; the exit status to leave with."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print(f"cannot become a child subreaper: {os.strerror(ctypes.get_errno())}")
        return 127
    signal.pthread_sigmask(signal.SIG_BLOCK, _AWAITED)
    try:
        try:
            # The command gets an empty signal mask, and SIGPIPE and SIGXFSZ as a program
            # expects them, not ignored as Python has them.
            pid = os.posix_spawnp(
                argv[0], argv, os.environ,
                setsigmask=(), setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
            )  # fmt: skip
        except OSError as error:
            print(f"cannot start {argv[0]}: {error}", flush=True)
            return 127
        return _wait(pid, time.monotonic() + seconds)
    finally:
        _kill_and_reap_everything()


def _wait(pid: int, deadline: float) -> int:
    """The command's exit status (128 + N for signal N); TIMED_OUT after `deadline`, and
    128 + SIGTERM when told to stop first."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return code if code >= 0 else 128 - code
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return TIMED_OUT
        taken = signal.sigtimedwait(_AWAITED, remaining)
        if taken is not None and taken.si_signo == signal.SIGTERM:
            return 128 + signal.SIGTERM


if __name__ == "__main__":
    sys.exit(run(float(sys.argv[1]), sys.argv[2:]))
