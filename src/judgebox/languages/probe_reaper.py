"""Run one command and leave nothing behind: `python -I -S probe_reaper.py ARGV...`.

A version probe is run through this script (toolchains.py). It makes itself a child
subreaper, so whatever the command leaves when it exits (Erlang's inet_gethost and
erl_child_setup, a compiler's daemon) is handed to it rather than to the judge, which
is a subreaper too and would hold them as zombies. When the command has exited, or on
SIGTERM, every process still below this one is killed and reaped; then it exits with
the command's status (128 + N for signal N; 127 and a message if it cannot start).

It runs under `python -I -S`: it imports only the standard library, nothing of ours.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36


class _Terminated(Exception):
    """SIGTERM arrived: the caller gave up waiting."""


def _terminated(signum: int, frame: object) -> None:
    raise _Terminated


def _children() -> list[int]:
    """This process's children now, zombies included (it has one thread)."""
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


def run(argv: list[str]) -> int:
    """Run `argv`, then clear up below; the exit status to leave with."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print(f"cannot become a child subreaper: {os.strerror(ctypes.get_errno())}")
        return 127
    signal.signal(signal.SIGTERM, _terminated)  # before the command exists: never orphaned
    status = 128 + signal.SIGTERM
    try:
        try:
            # SIGPIPE and SIGXFSZ as a program expects them, not ignored as Python has them
            pid = os.posix_spawnp(
                argv[0], argv, os.environ, setsigdef=(signal.SIGPIPE, signal.SIGXFSZ)
            )
        except OSError as error:
            print(f"cannot start {argv[0]}: {error}", flush=True)
            return 127
        _, wait_status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(wait_status)
        status = code if code >= 0 else 128 - code
    except _Terminated:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the clear-up is not cut short
        _kill_and_reap_everything()
    return status


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
