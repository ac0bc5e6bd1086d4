"""Hostile programs against the isolation: network, kernel surfaces, files, signals, snooping.

Every forbidden attempt must fail with a definite error, and the box must keep
working for the next run (no restart). The host is checked from outside.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from judgebox.sandbox import Box, ExecStatus, Mount, Sandbox
from judgebox.vocabulary.errors import SandboxError
from judgebox.vocabulary.limits import Limits

if TYPE_CHECKING:  # the fixture's type (conftest is not importable by name)
    from conftest import CPrograms

pytestmark = pytest.mark.anyio
PY = "/usr/bin/python3"

# attempt (see programs/attempt.c) -> the errors it may fail with
FORBIDDEN: dict[str, set[str]] = {
    # network: no internet, netlink, vsock or packet sockets at all (seccomp)
    "socket_inet": {"EAFNOSUPPORT"},
    "socket_inet6": {"EAFNOSUPPORT"},
    "socket_vsock": {"EAFNOSUPPORT"},
    "socket_netlink": {"EAFNOSUPPORT"},
    "socket_packet": {"EAFNOSUPPORT"},
    "socketpair_inet": {"EAFNOSUPPORT"},
    # kernel surfaces (seccomp)
    "io_uring_setup": {"EPERM"},
    "keyctl": {"EPERM"},
    "add_key": {"EPERM"},
    "bpf": {"EPERM"},
    "perf_event_open": {"EPERM"},
    "userfaultfd": {"EPERM"},
    "tiocsti": {"EPERM"},  # on /dev/null it would be ENOTTY: EPERM proves the filter
    # privilege: no root, no new namespaces, no mounts, no chroot
    "setuid_root": {"EPERM", "EINVAL"},
    "setgid_root": {"EPERM", "EINVAL"},
    "unshare_user": {"EPERM"},
    "unshare_mount": {"EPERM"},
    "mount": {"EPERM"},
    "chroot": {"EPERM"},
    "sethostname": {"EPERM"},
    # the box's own processes (the supervisor is pid 1, the program's parent)
    "ptrace_supervisor": {"EPERM"},
    "kill_parent": {"EPERM"},
    "kill_everyone": {"EPERM"},
    "kill_init": {"EPERM"},
    "tgkill_supervisor": {"EPERM"},
    "sigqueue_supervisor": {"EPERM"},
    "pidfd_signal_supervisor": {"EPERM"},
    "setown_supervisor": {"EPERM"},
    "setown_sigio_supervisor": {"EPERM"},
    # the box's pid 1 (the supervisor) is not dumpable: its memory and fds are out of reach
    "write_pid1_memory": {"EACCES", "EPERM"},
    "pid1_fds": {"EACCES", "EPERM"},
    "corrupt_pid1": {"EACCES", "EPERM"},
    # files: host secrets absent, everything but /tmp read-only
    "read_shadow": {"ENOENT"},
    "write_usr": {"EROFS"},
    "write_root": {"EROFS"},
    "write_etc": {"EROFS"},
    "write_box": {"EROFS"},
    "write_proc_sys": {"EACCES", "EROFS"},
    "write_sysrq": {"ENOENT", "EACCES", "EROFS"},
}


@pytest.mark.parametrize("attempt", sorted(FORBIDDEN))
async def test_forbidden_attempt_fails_and_the_box_keeps_working(
    box: Box, programs: CPrograms, attempt: str
) -> None:
    prog = programs.build_file("attempt")
    r = await box.run([prog, attempt], limits=Limits())
    assert r.status is ExecStatus.OK, r
    name, verdict, *rest = r.stdout.decode().split()
    assert (name, verdict) == (attempt, "errno"), r.stdout
    assert rest[1] in FORBIDDEN[attempt], r.stdout
    after = await box.run(["/usr/bin/true"], limits=Limits())
    assert after.status is ExecStatus.OK, after
    assert box.starts == 1, "the attempt broke the box: it had to be restarted"


async def test_attempt_program_reports_success_when_allowed(box: Box, programs: CPrograms) -> None:
    """The probe program can fail to fail: a unix socket is allowed and says so."""
    prog = programs.build_file("attempt")
    r = await box.run([prog, "socket_unix"], limits=Limits())
    assert r.stdout == b"socket_unix succeeded\n"


async def test_a_program_may_signal_itself_and_its_group(box: Box) -> None:
    """The rules that protect the supervisor must not hit the program (pid 2 in a new box)."""
    code = "import os, signal\nprint(os.getpid(), flush=True)\nos.kill(os.getpid(), signal.SIGTERM)"
    r = await box.run([PY, "-S", "-c", code], limits=Limits())
    assert (r.status, r.signal, r.stdout) == (ExecStatus.SIGNALED, "SIGTERM", b"2\n"), r
    code = "import os, signal\nos.killpg(os.getpgrp(), signal.SIGUSR1)"
    r = await box.run([PY, "-S", "-c", code], limits=Limits())
    assert (r.status, r.signal) == (ExecStatus.SIGNALED, "SIGUSR1"), r


async def test_writes_outside_the_box_leave_the_host_untouched(
    box: Box, programs: CPrograms
) -> None:
    prog = programs.build_file("attempt")
    r = await box.run([prog, "write_usr", "write_root", "write_etc"], limits=Limits())
    assert r.stdout.count(b" errno ") == 3, r.stdout
    for path in ("/usr/judgebox-escape", "/judgebox-escape", "/etc/judgebox-escape"):
        assert not os.path.lexists(path)


async def test_tcp_connect_to_a_host_port_fails_and_reaches_nothing(box: Box) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        code = (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    print('connected')\n"
            "except OSError as e:\n"
            "    print('failed', e.errno)\n"
        )
        r = await box.run([PY, "-S", "-c", code], limits=Limits())
        assert r.status is ExecStatus.OK, r
        assert r.stdout == f"failed {errno.EAFNOSUPPORT}\n".encode()
        with pytest.raises(BlockingIOError):
            listener.accept()


async def test_dns_lookup_fails(box: Box) -> None:
    code = (
        "import socket\n"
        "try:\n"
        "    print(socket.getaddrinfo('example.com', 80))\n"
        "except OSError as e:\n"
        "    print('failed', type(e).__name__)\n"
    )
    r = await box.run([PY, "-S", "-c", code], limits=Limits())
    assert r.status is ExecStatus.OK, r
    assert r.stdout == b"failed gaierror\n"


SNOOP = r"""
import json, os
found = {"env": dict(os.environ), "files": {}, "fds": []}
for path in ("/proc/self/environ", "/proc/1/environ"):
    try:
        with open(path, "rb") as f:
            found["files"][path] = f.read().decode(errors="replace")
    except OSError as e:
        found["files"][path] = "error " + str(e.errno)
for fd in range(3, 1024):
    try:
        os.fstat(fd)
        found["fds"].append(fd)
    except OSError:
        pass
found["root"] = sorted(os.listdir("/"))
print(json.dumps(found))
"""


async def test_no_host_environment_or_fds_reach_the_program(
    sandbox: Sandbox, programs: CPrograms, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "JUDGEBOX_CANARY"
    monkeypatch.setenv(canary, "secret-from-the-host")
    async with sandbox.box([Mount(programs.directory, "/box")]) as fresh:
        r = await fresh.run([PY, "-S", "-c", SNOOP], limits=Limits())
    assert r.status is ExecStatus.OK, r
    assert b"secret-from-the-host" not in r.stdout and canary.encode() not in r.stdout
    found = json.loads(r.stdout)
    assert set(found["env"]) == {"PATH", "HOME", "LANG", "TMPDIR"}
    assert found["fds"] == [], "the program inherited fds beyond 0, 1, 2"
    assert found["files"]["/proc/1/environ"].startswith("error")  # the supervisor is private
    # /var holds only GHC's package database (read-only), for Haskell's compiler.
    assert found["root"] == sorted(
        [".judgebox", "bin", "box", "dev", "etc", "lib", "lib64", "proc", "sbin", "tmp", "usr"]
        + (["var"] if Path("/var/lib/ghc").is_dir() else [])
    )


def disk_usage(root: Path) -> int:
    """Bytes of the regular files under `root` (not following links)."""
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


async def test_filling_tmp_stops_at_the_tmpfs_cap(sandbox: Sandbox) -> None:
    cap = 16 * 1024 * 1024
    code = (
        "import errno\n"
        "n = 0\n"
        "try:\n"
        "    with open('/tmp/fill', 'wb') as f:\n"
        "        while True:\n"
        "            f.write(b'z' * 65536); f.flush(); n += 65536\n"
        "except OSError as e:\n"
        "    print(errno.errorcode[e.errno], n)\n"
    )
    used_before = disk_usage(sandbox.instance_dir)
    async with sandbox.box([], tmp_size=cap) as small:
        r = await small.run([PY, "-S", "-c", code], limits=Limits(memory=256 * 1024 * 1024))
        assert r.status is ExecStatus.OK, r
        name, written = r.stdout.split()
        assert name == b"ENOSPC"
        assert cap - 256 * 1024 <= int(written) <= cap
        # Under a tighter memory limit the same program hits the memory limit first:
        # tmpfs pages are charged to the writer's cgroup. (The next case starts with an
        # empty /tmp, so it has the whole cap again.)
        r = await small.run([PY, "-S", "-c", code], limits=Limits(memory=8 * 1024 * 1024))
        assert r.status is ExecStatus.MEMORY_LIMIT, r
    # The box's /tmp is its own tmpfs: nothing of it reached the host's disk or /tmp.
    assert not os.path.lexists("/tmp/fill")
    assert disk_usage(sandbox.instance_dir) - used_before < 1024 * 1024


CARRY_OVER = r"""
import os, sys
if sys.argv[1] == "leave":
    os.makedirs("/tmp/a/b/c")
    open("/tmp/a/b/c/state", "w").write("from case 1")
    os.symlink("/box", "/tmp/link-to-box")
    os.chmod("/tmp/a/b", 0)
    os.chmod("/tmp", 0o500)
else:
    print(sorted(os.listdir("/tmp")), oct(os.stat("/tmp").st_mode & 0o7777))
    open("/tmp/new", "w").write("x")
"""


async def test_each_case_starts_with_an_empty_tmp(sandbox: Sandbox) -> None:
    workspace = sandbox.workspace("carry-over")
    (workspace / "canary").write_text("keep")
    async with sandbox.box([Mount(workspace, "/box", writable=True)]) as rw:
        os.chown(workspace, rw.ctx.uid, rw.ctx.uid)
        r = await rw.run([PY, "-S", "-c", CARRY_OVER, "leave"], limits=Limits())
        assert r.status is ExecStatus.OK, r
        r = await rw.run([PY, "-S", "-c", CARRY_OVER, "look"], limits=Limits())
        assert r.status is ExecStatus.OK, r
        assert r.stdout == b"[] 0o1777\n"
        assert rw.starts == 1
    # The wipe removed the link to the writable /box, not what it pointed at.
    assert (workspace / "canary").read_text() == "keep"


async def test_symlink_planted_in_a_writable_box_is_never_followed_by_the_host(
    sandbox: Sandbox, shared_tmp: Path
) -> None:
    secret = shared_tmp / "host-secret"
    secret.write_text("host secret\n")
    secret.chmod(0o600)
    workspace = sandbox.workspace("symlinks")
    plant = f"ln -s {secret} /box/input.txt && ln -s /etc/shadow /box/shadow && ls -l /box"
    async with sandbox.box([Mount(workspace, "/box", writable=True)]) as rw:
        os.chown(workspace, rw.ctx.uid, rw.ctx.uid)  # as a compile step's workspace is
        r = await rw.run(["/bin/sh", "-c", plant], limits=Limits())
        assert r.status is ExecStatus.OK, r
        assert (workspace / "input.txt").is_symlink()
        # The host opens a run's input with O_NOFOLLOW: a planted link is refused, not read.
        with pytest.raises(SandboxError, match="symbolic link") as refused:
            await rw.run(["/bin/cat"], limits=Limits(), stdin=workspace / "input.txt")
        assert isinstance(refused.value.__cause__, OSError)
        assert refused.value.__cause__.errno == errno.ELOOP
        # The program itself cannot read through the link either (the target is not in the box).
        r = await rw.run(["/bin/cat", "/box/input.txt"], limits=Limits())
        assert r.status is ExecStatus.NONZERO_EXIT
        assert b"host secret" not in r.stdout
    assert secret.read_text() == "host secret\n"
