"""Wire format between the host and the box supervisor (see supervisor.c; pure, no I/O).

A request is one SOCK_SEQPACKET message: a fixed header, then NUL-separated
strings (cwd, argv..., env...), with the fds [stdin, stdout, stderr,
cgroup.procs...] attached as SCM_RIGHTS. Replies are fixed-size records.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

MAGIC = 0x4A425831
OP_RUN = 1
MAX_FDS = 16
MAX_MESSAGE = 256 * 1024

_REQUEST = struct.Struct("=IIIIII qqqqq")
_REPLY = struct.Struct("=IIiiii qqqqq")
REPLY_SIZE = _REPLY.size


class ReplyKind(IntEnum):
    """What a supervisor record says."""

    READY = 1
    STARTED = 2
    EXITED = 3
    FAILED = 4


class FailedStage(IntEnum):
    """Where starting a program failed (FAILED replies)."""

    PROTOCOL = 1
    FORK = 2
    CGROUP = 3
    RLIMIT = 4
    FDS = 5
    CHDIR = 6
    EXEC = 7


@dataclass(frozen=True, slots=True)
class RunRequest:
    """Start one program in the box."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: str
    ncgroup: int
    rlimit_cpu: int = 0
    rlimit_fsize: int = 0
    rlimit_stack: int = -1
    rlimit_as: int = 0
    rlimit_nproc: int = 0

    def encode(self) -> bytes:
        """Header plus the NUL-separated strings."""
        if not self.argv:
            raise ValueError("empty argv")
        strings = [self.cwd, *self.argv, *(f"{k}={v}" for k, v in self.env.items())]
        if any("\0" in s for s in strings):
            raise ValueError("NUL byte in argv, env or cwd")
        header = _REQUEST.pack(
            MAGIC, OP_RUN, len(self.argv), len(self.env), self.ncgroup, 0,
            self.rlimit_cpu, self.rlimit_fsize, self.rlimit_stack,
            self.rlimit_as, self.rlimit_nproc,
        )  # fmt: skip
        body = b"".join(s.encode() + b"\0" for s in strings)
        message = header + body
        if len(message) > MAX_MESSAGE:
            raise ValueError("command line and environment too long for the box supervisor")
        return message


@dataclass(frozen=True, slots=True)
class Reply:
    """One record from the supervisor."""

    kind: ReplyKind
    pid: int
    status: int
    err: int
    stage: int
    wall_ns: int
    utime_us: int
    stime_us: int
    maxrss_kb: int
    ended_ns: int = 0  # EXITED: CLOCK_MONOTONIC at the reaping (time.monotonic_ns's clock)

    @classmethod
    def decode(cls, data: bytes) -> Reply:
        """Parse a record; ValueError if it is not one."""
        if len(data) != REPLY_SIZE:
            raise ValueError(f"supervisor record of {len(data)} bytes")
        magic, kind, pid, status, err, stage, wall, utime, stime, rss, ended = _REPLY.unpack(data)
        if magic != MAGIC:
            raise ValueError("bad supervisor magic")
        return cls(ReplyKind(kind), pid, status, err, stage, wall, utime, stime, rss, ended)
