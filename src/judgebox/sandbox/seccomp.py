"""The seccomp deny-list applied to everything in a box (exported as BPF for `bwrap --seccomp FD`).

Namespaces already hide the host; this list removes kernel surfaces a judged
program never needs and that have a history of escapes, and keeps the program
from signalling the box supervisor (pid 1 of the box, as bwrap runs it
`--as-pid-1`), which runs as the same uid. (Its process group is 1 too, and
kill(-1) means everyone: refused.)
"""

from __future__ import annotations

import base64
import errno
import hashlib
import os
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judgebox.vocabulary.errors import SandboxError
from judgebox.vocabulary.probe_cache import ProbeCache, count_probe, file_key

if TYPE_CHECKING:
    import pyseccomp as seccomp

SUPERVISOR_PID = 1  # bwrap --as-pid-1: the supervisor is the box's init

# Whole syscalls refused with EPERM.
DENIED_SYSCALLS = (
    # kernel keyrings, io_uring, BPF and perf: large attack surface, never needed
    "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "bpf", "perf_event_open", "userfaultfd",
    # looking into or writing other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    # mounts, namespaces and root changes
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "name_to_handle_at", "open_by_handle_at",
    # the machine itself
    "reboot", "kexec_load", "kexec_file_load", "init_module", "finit_module",
    "delete_module", "swapon", "swapoff", "acct", "quotactl", "syslog",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "lookup_dcookie", "vhangup", "fanotify_init",
)  # fmt: skip

# Socket families a program may create: local ones only (internet, netlink, vsock,
# packet and everything else are refused; the network namespace is empty anyway).
ALLOWED_SOCKET_FAMILY = 1  # AF_UNIX
TIOCSTI = 0x5412
F_SETOWN, F_SETOWN_EX = 8, 15
FIOSETOWN, SIOCSPGRP = 0x8901, 0x8902
_LOW32 = 0xFFFFFFFF


def _pid_arg(index: int, pid: int) -> seccomp.Arg:
    """Match a pid_t argument on its low 32 bits (the upper half of the register is not defined)."""
    import pyseccomp as seccomp

    return seccomp.Arg(index, seccomp.MASKED_EQ, _LOW32, pid & _LOW32)


def build_filter() -> seccomp.SyscallFilter:
    """The filter: allow by default, deny the list above with EPERM."""
    # Imported here: loading pyseccomp runs `ldconfig -p` twice (ctypes.util.find_library),
    # which a start with the BPF program in the probe cache does not need.
    import pyseccomp as seccomp

    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    deny = seccomp.ERRNO(errno.EPERM)
    for name in DENIED_SYSCALLS:
        try:
            f.add_rule(deny, name)
        except Exception:  # a syscall this architecture does not have
            continue
    f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket",
               seccomp.Arg(0, seccomp.NE, ALLOWED_SOCKET_FAMILY))  # fmt: skip
    f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socketpair",
               seccomp.Arg(0, seccomp.NE, ALLOWED_SOCKET_FAMILY))  # fmt: skip
    f.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, _LOW32, TIOCSTI))
    # No signals to everyone (-1) or to the supervisor (pid 1). The first case process is
    # pid 2 and its own group leader: it may signal itself.
    for target in (-1, SUPERVISOR_PID):
        f.add_rule(deny, "kill", _pid_arg(0, target))
    # Every other way to signal a pid: queued signals, a /proc/<pid> dir used as a pidfd
    # (pidfd_send_signal accepts one, so it is refused outright), and SIGIO/F_SETSIG
    # delivery to a file's owner (same uid, so the kernel allows it): each killed the
    # supervisor in a test, turning the program's verdict into an internal error.
    f.add_rule(deny, "pidfd_send_signal")
    f.add_rule(deny, "fcntl", seccomp.Arg(1, seccomp.EQ, F_SETOWN_EX))
    for request in (FIOSETOWN, SIOCSPGRP):  # ioctl forms of F_SETOWN (pid behind a pointer)
        f.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, _LOW32, request))
    for target in (-1, SUPERVISOR_PID):
        f.add_rule(deny, "fcntl", seccomp.Arg(1, seccomp.EQ, F_SETOWN), _pid_arg(2, target))
    target = SUPERVISOR_PID
    f.add_rule(deny, "rt_sigqueueinfo", _pid_arg(0, target))
    f.add_rule(deny, "rt_tgsigqueueinfo", _pid_arg(0, target))
    f.add_rule(deny, "tkill", _pid_arg(0, target))
    f.add_rule(deny, "tgkill", _pid_arg(0, target))
    f.add_rule(deny, "pidfd_open", _pid_arg(0, target))
    f.add_rule(deny, "prlimit64", _pid_arg(0, target))
    f.add_rule(deny, "setpriority", _pid_arg(1, target))
    f.add_rule(deny, "sched_setaffinity", _pid_arg(0, target))
    f.add_rule(deny, "sched_setscheduler", _pid_arg(0, target))
    return f


_bpf: bytes | None = None  # this process's program, built or loaded once


def _build_bpf() -> bytes:
    import tempfile  # here: a cached program needs none

    count_probe("seccomp-bpf")
    try:
        with tempfile.TemporaryFile() as out:
            build_filter().export_bpf(out)
            out.seek(0)
            return out.read()
    except Exception as exc:  # libseccomp missing or too old
        raise SandboxError(f"cannot build the seccomp filter: {exc}") from exc


def filter_key() -> dict[str, Any]:
    """What the BPF program is made from: this module's source (the rules), pyseccomp and the
    shared libraries it loads (a libseccomp upgrade rewrites /etc/ld.so.cache), the machine."""
    spec = find_spec("pyseccomp")  # locates the module without running it
    return {
        "v": 1,
        "rules": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        "pyseccomp": file_key(spec.origin) if spec is not None and spec.origin else None,
        "ld.so.cache": file_key("/etc/ld.so.cache"),
        "machine": os.uname().machine,  # platform.machine(), without importing platform
    }


def load_filter(cache: ProbeCache | None = None) -> bytes:
    """The BPF program, from `cache` when its key holds, else built (and then stored)."""
    global _bpf
    if _bpf is None:
        key = filter_key() if cache is not None else None
        hit = cache.get("seccomp-bpf", key) if cache is not None else None
        if isinstance(hit, str):
            try:
                program = base64.b64decode(hit.encode("ascii"), validate=True)
            except ValueError:  # binascii.Error, non-ASCII: junk, build it again
                program = b""
            # A BPF program is a whole number of 8-byte instructions; anything else is junk.
            if program and len(program) % 8 == 0:
                _bpf = program
        if _bpf is None:
            _bpf = _build_bpf()
            if cache is not None:
                cache.put("seccomp-bpf", key, base64.b64encode(_bpf).decode())
    return _bpf


def filter_bpf() -> bytes:
    """The compiled BPF program (built or loaded once per process)."""
    return load_filter()


def filter_fd() -> int:
    """A fresh readable fd holding the BPF program (bwrap reads it to the end)."""
    fd = os.memfd_create("judgebox-seccomp", os.MFD_CLOEXEC)
    data = filter_bpf()
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
