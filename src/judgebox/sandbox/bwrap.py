"""The bubblewrap command line of a box (pure: builds an argv, starts nothing).

Inside a box:

    /usr                 host's, read-only (/bin, /lib, /lib64, /sbin are symlinks into it)
    /etc                 synthetic: passwd, group, hosts, nsswitch.conf, plus read-only
                         ld.so.cache, alternatives/ and the JVM's config (Java needs them)
    /proc                fresh (own pid namespace); /proc/cmdline masked (empty)
    /dev                 fresh and read-only after set-up (null, zero, random, ...), with
    /dev/shm             a size-capped tmpfs, and
    /dev/mqueue          the box's POSIX message queues (so that the supervisor can empty it)
    /tmp                 size-capped tmpfs, also $HOME
    /box                 the run's directory (read-write while compiling, read-only when running)
    /.judgebox/supervisor  the box supervisor (read-only), pid 1 (`--as-pid-1`: no bwrap
                         init in the box, whose memory a program of the same uid could
                         write through /proc/1/mem; the supervisor is not dumpable)
    everything else      absent; `/` itself is remounted read-only

/tmp, /dev/shm, /dev/mqueue and System V IPC objects are emptied by the supervisor
before each case.

Namespaces: user (one unprivileged uid mapped, no nested user namespaces),
pid, net (loopback only), ipc, uts, mount, cgroup. A new session (no TIOCSTI
on the host terminal); the box dies with the judgebox process that launched it
(the supervisor watches a pidfd of it: `owner_fd`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BWRAP = "/usr/bin/bwrap"
SUPERVISOR_IN_BOX = "/.judgebox/supervisor"
BOX_DIR = "/box"
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
EMPTY_FILE = "empty"  # in the synthetic /etc dir (not bound at /etc): masks host files

# Host paths under /etc that programs legitimately read (bound read-only when present).
# The compilers' own configuration (no secrets): GnuCOBOL's dialects, Free Pascal's unit
# paths (fpc.cfg -> alternatives -> fpc-3.2.2.cfg), Nim's defaults, Mono's machine.config
# (without it the class library cannot even open a source file), and GHC's global package
# database (/usr/lib/ghc/package.conf.d links to /var/lib/ghc), Racket's collection paths
# (without them racket/base is recompiled from source: minutes).
HOST_ETC = (
    "/etc/ld.so.cache", "/etc/alternatives", "/etc/java-17-openjdk", "/etc/ssl/certs",
    "/etc/gnucobol", "/etc/fpc.cfg", "/etc/fpc-3.2.2.cfg", "/etc/nim", "/etc/mono", "/etc/racket",
    "/var/lib/ghc",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Mount:
    """A host path made visible in the box."""

    source: Path
    target: str
    writable: bool = False


@dataclass(frozen=True, slots=True)
class BoxLayout:
    """Everything that decides a box's file system and environment."""

    supervisor: Path
    synthetic_etc: Path
    mounts: tuple[Mount, ...] = ()
    tmp_size: int = 64 * 1024 * 1024
    shm_size: int = 16 * 1024 * 1024
    env: Mapping[str, str] = field(default_factory=dict)
    host_etc: tuple[str, ...] = HOST_ETC


def box_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The whole environment of a box's processes: PATH, HOME, LANG and the given extras."""
    env = {"PATH": DEFAULT_PATH, "HOME": "/tmp", "LANG": "C.UTF-8", "TMPDIR": "/tmp"}
    env.update(extra)
    return env


def bwrap_argv(
    layout: BoxLayout,
    *,
    sock_fd: int,
    seccomp_fd: int | None,
    info_fd: int,
    owner_fd: int | None = None,
    existing: Sequence[str] = (),
) -> list[str]:
    """The full argv that starts the supervisor in a new box.

    `owner_fd`: a pidfd of the judgebox process; the supervisor ends the box when it exits.
    `existing` lists the host_etc paths that exist (checked by the caller, so this stays pure).

    `--die-with-parent` only where there is no owner pidfd: it kills bwrap's outer
    process the moment the judgebox process dies, and if that happens between bwrap's
    clone and its go-ahead to the child (a few system calls of every box start), the
    child waits for that go-ahead for ever, as a box uid, in no cgroup of ours. Without
    it the start completes, the supervisor sees the pidfd readable and exits, and the
    kernel takes the whole box with it.
    """
    argv = [
        BWRAP,
        "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
        "--unshare-uts", "--unshare-cgroup", "--disable-userns",
        "--new-session", "--as-pid-1",
        *(["--die-with-parent"] if owner_fd is None else []),
        "--hostname", "judgebox",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin",
        "--symlink", "usr/sbin", "/sbin",
        "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        "--proc", "/proc",
        # The kernel command line tells the box about the host (and its secrets, at times).
        "--ro-bind", str(layout.synthetic_etc / EMPTY_FILE), "/proc/cmdline",
        "--dev", "/dev",
        # /dev itself was a writable tmpfs without a cap: storage that no wipe emptied.
        "--size", str(layout.shm_size), "--perms", "1777", "--tmpfs", "/dev/shm",
        "--mqueue", "/dev/mqueue",
        "--remount-ro", "/dev",
        "--size", str(layout.tmp_size), "--perms", "1777", "--tmpfs", "/tmp",
        "--dir", "/etc",
    ]  # fmt: skip
    for name in ("passwd", "group", "hosts", "nsswitch.conf", "resolv.conf"):
        argv += ["--ro-bind", str(layout.synthetic_etc / name), f"/etc/{name}"]
    for path in layout.host_etc:
        if path in existing:
            argv += ["--ro-bind", path, path]
    argv += ["--dir", BOX_DIR]
    for mount in layout.mounts:
        source = os.path.abspath(mount.source)
        argv += ["--bind" if mount.writable else "--ro-bind", source, mount.target]
    argv += ["--ro-bind", str(layout.supervisor), SUPERVISOR_IN_BOX]
    argv += ["--remount-ro", "/", "--chdir", BOX_DIR, "--clearenv"]
    for key, value in box_env(layout.env).items():
        argv += ["--setenv", key, value]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    argv += ["--info-fd", str(info_fd), "--", SUPERVISOR_IN_BOX, str(sock_fd)]
    if owner_fd is not None:
        argv.append(str(owner_fd))
    return argv


def info_file() -> int:
    """A file descriptor for bwrap's `--info-fd`: an in-memory file, never a pipe.

    bwrap writes the child's pid there before it lets the child go on. Into a pipe whose
    reader died (the judgebox process killed during a start) that write kills bwrap by
    SIGPIPE and leaves the child waiting for ever; a memfd write cannot fail so. Read
    it with `read_info` once the box said READY.
    """
    return os.memfd_create("judgebox-bwrap-info", os.MFD_CLOEXEC)


def read_info(fd: int) -> int | None:
    """The `child-pid` bwrap wrote to an `info_file()` (None if it wrote nothing usable)."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        return None
    pid = info.get("child-pid") if isinstance(info, dict) else None
    return pid if isinstance(pid, int) else None


def synthetic_etc_files(uid: int) -> dict[str, str]:
    """Contents of the synthetic /etc files for a box running as `uid` (mapped to itself)."""
    return {
        "passwd": f"root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
        f"judge:x:{uid}:{uid}:judgebox:/tmp:/usr/sbin/nologin\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "group": f"root:x:0:\njudge:x:{uid}:\nnogroup:x:65534:\n",
        "hosts": "127.0.0.1 localhost judgebox\n::1 localhost\n",
        "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
        "resolv.conf": "",
        EMPTY_FILE: "",
    }
