"""A box's life cycle: start bwrap and the supervisor, kill it at once, reap and remove.

`BoxProcess` owns the box's processes, its socket and its cgroups; `Box` (box.py) adds
running one case over the protocol, and box_results.py turns what was measured into a
result. bwrap's outer process and the supervisor are moved into the box's own cgroup of
the instance (`BoxCgroup`) as soon as they exist, before the first case: so a later start
finds and kills them by cgroup if this process dies and the box does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from judgebox.sandbox import bwrap, protocol, seccomp
from judgebox.sandbox.cgroups import BoxCgroup, CaseCgroup, CgroupLayout
from judgebox.sandbox.protocol import Reply, ReplyKind
from judgebox.vocabulary.errors import SandboxError

START_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class BoxContext:
    """What a box needs from the sandbox host that created it."""

    uid: int
    instance: str
    scratch: Path  # host dir of this box: captured stdout/stderr
    layout: bwrap.BoxLayout
    cgroups: CgroupLayout | None
    use_bwrap: bool
    use_seccomp: bool
    cpu_count: int


class BoxProcess:
    """The processes, socket and cgroups of one box, from start to the last reap."""

    _serial = 0

    def __init__(self, ctx: BoxContext) -> None:
        self.ctx = ctx
        BoxProcess._serial += 1
        self.name = f"box{BoxProcess._serial}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._dead_socks: list[socket.socket] = []
        self._reading = 0  # sock_recv calls pending on the box socket
        self._init_pid: int | None = None
        self._case_serial = 0
        self._stale_cgroups: list[CaseCgroup | BoxCgroup] = []
        self._box_cgroup: BoxCgroup | None = None
        self._dead_procs: list[tuple[subprocess.Popen[bytes], int | None]] = []
        self._cleanup_timer: asyncio.TimerHandle | None = None
        self.starts = 0
        self.group: str | None = None

    # ---- life cycle -------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """Whether the supervisor is up (the next run does not need a restart)."""
        return self._sock is not None

    async def start(self) -> None:
        """Launch bwrap and the supervisor; return when the supervisor said READY."""
        host_sock, box_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        info_fd = bwrap.info_file()
        seccomp_fd = seccomp.filter_fd() if self.ctx.use_seccomp else None
        owner_fd = _owner_pidfd()
        box_cg: BoxCgroup | None = None
        try:
            if self.ctx.cgroups is not None:
                serial = f"{self.name}-{self.starts}"  # a restart may outrun the old one's removal
                box_cg = BoxCgroup(self.ctx.cgroups, self.ctx.instance, serial)
                box_cg.create()
            keep = [box_sock.fileno(), info_fd] + ([seccomp_fd] if seccomp_fd is not None else [])
            keep += [owner_fd] if owner_fd is not None else []
            if self.ctx.use_bwrap:
                existing = [p for p in self.ctx.layout.host_etc if os.path.exists(p)]
                argv = bwrap.bwrap_argv(
                    self.ctx.layout,
                    sock_fd=box_sock.fileno(),
                    seccomp_fd=seccomp_fd,
                    info_fd=info_fd,
                    owner_fd=owner_fd,
                    existing=existing,
                )
                env = {"PATH": bwrap.DEFAULT_PATH}
                cwd = "/"
            else:  # --insecure without user namespaces: the supervisor runs on the host
                argv = [str(self.ctx.layout.supervisor), str(box_sock.fileno())]
                argv += [str(owner_fd)] if owner_fd is not None else []
                env = bwrap.box_env(self.ctx.layout.env)
                cwd = str(self._host_box_dir() or "/")
            as_root = os.geteuid() == 0
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                pass_fds=keep,
                env=env,
                cwd=cwd,
                user=self.ctx.uid if as_root else None,
                group=self.ctx.uid if as_root else None,
                extra_groups=[] if as_root else None,
                start_new_session=True,
            )
        except BaseException:
            if box_cg is not None:
                box_cg.remove()
            os.close(info_fd)
            raise
        finally:
            box_sock.close()
            if seccomp_fd is not None:
                os.close(seccomp_fd)
            if owner_fd is not None:
                os.close(owner_fd)
        host_sock.setblocking(False)
        self._sock = host_sock
        self._box_cgroup = box_cg
        self.starts += 1
        try:
            # At once: bwrap may clone the supervisor before or after it moves (a child
            # stays where it was born), so the supervisor is moved too once its pid is
            # known. It forks nothing before the first case, which comes after start().
            if box_cg is not None:
                box_cg.add(self._proc.pid)
            async with asyncio.timeout(START_TIMEOUT):
                data = await self._recv(host_sock)
            if not data:
                raise SandboxError(f"the sandbox did not start: {self._bwrap_stderr()}")
            reply = Reply.decode(data)
            if reply.kind is not ReplyKind.READY:
                raise SandboxError(f"unexpected first supervisor record {reply.kind}")
            self._init_pid = bwrap.read_info(info_fd) if self.ctx.use_bwrap else None
            if box_cg is not None and self._init_pid is not None:
                box_cg.add(self._init_pid)
        except TimeoutError:
            self.kill_now()
            raise SandboxError(f"the sandbox did not start within {START_TIMEOUT:.0f} s") from None
        except BaseException:
            self.kill_now()
            raise
        finally:
            os.close(info_fd)

    def _bwrap_stderr(self) -> str:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return "no diagnostics"
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1.0)
        os.set_blocking(proc.stderr.fileno(), False)
        try:
            text = (proc.stderr.read() or b"").decode(errors="replace").strip()
        except OSError:
            text = ""
        return text or f"bwrap exited with {proc.returncode}"

    def _host_box_dir(self) -> Path | None:
        for mount in self.ctx.layout.mounts:
            if mount.target == bwrap.BOX_DIR:
                return mount.source
        return None

    def visible_path(self, box_path: str) -> str:
        """Where a box path is for the program (differs only without bwrap)."""
        if self.ctx.use_bwrap:
            return box_path
        for mount in self.ctx.layout.mounts:
            if box_path == mount.target or box_path.startswith(mount.target + "/"):
                return str(mount.source) + box_path[len(mount.target) :]
        return box_path

    async def _recv(self, sock: socket.socket) -> bytes:
        """One supervisor record (b"" at EOF), counted so that cleanup never closes under it."""
        self._reading += 1
        try:
            return await asyncio.get_running_loop().sock_recv(sock, protocol.REPLY_SIZE)
        finally:
            self._reading -= 1

    def kill_now(self) -> None:
        """SIGKILL the whole box at once (synchronous; safe to call twice)."""
        if self._init_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._init_pid, signal.SIGKILL)
        proc = self._proc
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            self._dead_procs.append((proc, self._init_pid))
        if self._box_cgroup is not None:
            self._stale_cgroups.append(self._box_cgroup)
            self._box_cgroup = None
        for cg in self._stale_cgroups:
            cg.kill_all()
        if self._sock is not None:
            # Shut down, do not close: a sock_recv may still be pending on this fd, and
            # closing it would let the fd number be reused (by an HTTP connection, say)
            # before asyncio removes its reader, which would then remove the new owner's.
            # The pending read wakes with EOF; the socket is closed in the cleanup step.
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._dead_socks.append(self._sock)
        self._sock = None
        self._proc = None
        self._init_pid = None

    def _cleanup_step(self) -> bool:
        """Reap what died and remove empty cgroups; True when nothing is left to do."""
        still: list[tuple[subprocess.Popen[bytes], int | None]] = []
        for proc, init_pid in self._dead_procs:
            outer_done = proc.poll() is not None
            # bwrap's outer process often exits before its init (pid 1 of the box): the init
            # is then orphaned to us (a child subreaper) and must be reaped here, or it stays
            # a zombie. Once the outer one is reaped, the init is either reaped by it already
            # (ECHILD) or ours; keep the entry until it is gone.
            init_done = True
            if init_pid is not None:
                try:
                    init_done = os.waitpid(init_pid, os.WNOHANG)[0] != 0
                except ChildProcessError:
                    init_done = outer_done
            if not (outer_done and init_done):
                still.append((proc, None if init_done else init_pid))
            elif proc.stderr is not None:
                proc.stderr.close()
        self._dead_procs = still
        self._stale_cgroups = [cg for cg in self._stale_cgroups if not try_remove(cg)]
        if not self._reading:  # no sock_recv pending: the old sockets can go
            keep = [sock for sock in self._dead_socks if self._sock_in_use(sock)]
            for sock in self._dead_socks:
                if sock not in keep:
                    sock.close()
            self._dead_socks = keep
        return not self._dead_procs and not self._stale_cgroups and not self._dead_socks

    def _sock_in_use(self, sock: socket.socket) -> bool:
        """Whether a reader is still registered on `sock` (it must not be closed yet)."""
        return False

    def _schedule_cleanup(self, delay: float = 0.001, deadline: float | None = None) -> None:
        """Reap and remove what a kill left behind soon, on the loop, with nobody awaiting it.

        A killed process takes a moment to exit: its case cgroup cannot be removed and
        bwrap cannot be reaped at once. Without this they waited for the box's close().
        """
        if self._cleanup_timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        deadline = deadline if deadline is not None else time.monotonic() + 5.0

        def step() -> None:
            self._cleanup_timer = None
            if not self._cleanup_step() and time.monotonic() < deadline:
                self._schedule_cleanup(min(delay * 2, 0.05), deadline)

        self._cleanup_timer = loop.call_later(delay, step)

    def finished_cleanup(self) -> bool:
        """One more reap-and-remove step; True when nothing of the box is left."""
        return self._cleanup_step()

    async def close(self, timeout: float = 5.0) -> None:
        """Kill the box, reap its processes and remove its cgroups (call in a shielded scope)."""
        self.kill_now()
        deadline = time.monotonic() + timeout
        while not self._cleanup_step() and time.monotonic() < deadline:
            await asyncio.sleep(0.001)

    def close_sync(self, timeout: float = 1.0) -> None:
        """`close()` without awaiting, for when even a shielded await is cancelled."""
        self.kill_now()
        deadline = time.monotonic() + timeout
        while not self._cleanup_step() and time.monotonic() < deadline:
            time.sleep(0.0005)


def _owner_pidfd() -> int | None:
    """A pidfd of this process for the supervisor to watch (None where the kernel has none).

    A parent-death signal does not work here: it ties the box to bwrap's outer process,
    not to us, and the kernel clears it when the credentials change (boxes run as other
    uids). A pidfd becomes readable when this process exits, however it dies.
    """
    try:
        return os.pidfd_open(os.getpid())
    except (OSError, AttributeError):
        return None


def try_remove(cg: CaseCgroup | BoxCgroup) -> bool:
    """Remove the cgroup, killing what is left in it first if it is not empty yet."""
    if cg.remove():  # the usual case: the run emptied it already (no pid list to read)
        return True
    cg.kill_all()
    return cg.remove()
