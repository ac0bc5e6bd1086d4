"""A box: one bubblewrap sandbox with a supervisor inside, alive for a whole run.

It runs one program at a time:

    host (this module)                        box (namespaces, uid 610xx, seccomp)
    ──────────────────                        ─────────────────────────────────────
    Box.start()  ── Popen(bwrap ...) ───────▶ supervisor (pid 1, bwrap --as-pid-1)
    Box.run()    ── RUN + fds (SCM_RIGHTS) ──▶ fork: join case cgroup, rlimits, exec
                 ◀── STARTED / EXITED ──────── wait4 (wall time, rusage)
                 watches cgroup CPU time and the wall clock, kills the case
                 cgroup on a limit; reads the counters; removes the cgroup
    Box.kill_now()  SIGKILL the box's pid 1: the kernel kills the whole pid namespace

bwrap's outer process and the supervisor are moved into the box's own cgroup of the
instance (`BoxCgroup`) as soon as they exist, before the first case: so a later start
finds and kills them by cgroup if this process dies and the box does not.

Cancelling the task that awaits `run()` kills the box synchronously before the
CancelledError goes on; `close()` (shielded by the caller) reaps and removes.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import dataclasses
import errno
import json
import os
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from judgebox.sandbox import bwrap, protocol, seccomp
from judgebox.sandbox.cgroups import BoxCgroup, CaseCgroup, CgroupLayout
from judgebox.sandbox.execution import ExecResult, Observation, classify
from judgebox.sandbox.protocol import FailedStage, Reply, ReplyKind, RunRequest
from judgebox.vocabulary.errors import SandboxError
from judgebox.vocabulary.limits import Limits

START_TIMEOUT = 10.0
EXIT_GRACE = 2.0  # after a kill, how long the supervisor may take to report
_MIN_POLL = 0.004


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


class Box:
    """One long-lived sandbox; one `run()` at a time (the judge uses one box per slot)."""

    _serial = 0

    def __init__(self, ctx: BoxContext) -> None:
        self.ctx = ctx
        Box._serial += 1
        self.name = f"box{Box._serial}"
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
        info_r, info_w = os.pipe2(os.O_CLOEXEC)
        seccomp_fd = seccomp.filter_fd() if self.ctx.use_seccomp else None
        owner_fd = _owner_pidfd()
        box_cg: BoxCgroup | None = None
        try:
            if self.ctx.cgroups is not None:
                serial = f"{self.name}-{self.starts}"  # a restart may outrun the old one's removal
                box_cg = BoxCgroup(self.ctx.cgroups, self.ctx.instance, serial)
                box_cg.create()
            keep = [box_sock.fileno(), info_w] + ([seccomp_fd] if seccomp_fd is not None else [])
            keep += [owner_fd] if owner_fd is not None else []
            if self.ctx.use_bwrap:
                existing = [p for p in self.ctx.layout.host_etc if os.path.exists(p)]
                argv = bwrap.bwrap_argv(
                    self.ctx.layout,
                    sock_fd=box_sock.fileno(),
                    seccomp_fd=seccomp_fd,
                    info_fd=info_w,
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
            raise
        finally:
            box_sock.close()
            os.close(info_w)
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
            self._init_pid = self._read_info(info_r)
            if box_cg is not None and self._init_pid is not None:
                box_cg.add(self._init_pid)
        except TimeoutError:
            self.kill_now()
            raise SandboxError(f"the sandbox did not start within {START_TIMEOUT:.0f} s") from None
        except BaseException:
            self.kill_now()
            raise
        finally:
            os.close(info_r)

    def _read_info(self, fd: int) -> int | None:
        if not self.ctx.use_bwrap:
            return None
        os.set_blocking(fd, False)
        try:
            info = json.loads(os.read(fd, 4096).decode() or "{}")
        except (OSError, ValueError):
            return None
        pid = info.get("child-pid")
        return pid if isinstance(pid, int) else None

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
        self._stale_cgroups = [cg for cg in self._stale_cgroups if not _try_remove(cg)]
        if not self._reading:  # no sock_recv pending: the old sockets can go
            for sock in self._dead_socks:
                sock.close()
            self._dead_socks.clear()
        return not self._dead_procs and not self._stale_cgroups and not self._dead_socks

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

    # ---- running ----------------------------------------------------------------------
    async def run(
        self,
        argv: Sequence[str],
        *,
        limits: Limits,
        stdin: Path | int | None = None,
        stdout: int | None = None,
        cwd: str = bwrap.BOX_DIR,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        """Run `argv` in the box under `limits`; the result tells what happened.

        `stdin`: a host file (opened with O_NOFOLLOW), an fd, or None (empty).
        `stdout`: None to capture it (capped at `limits.output`), or an fd to write to (pipes).
        An fd given as `stdin` or `stdout` is consumed: closed once the box has its copy, so
        that a pipe's other end sees EOF when the program exits.
        """
        if not self.alive:
            await self.start()
        own_fds: list[int] = []
        out_file_fd: int | None = None
        cg: CaseCgroup | None = None
        try:
            stdin_fd = self._open_stdin(stdin, own_fds)
            self._case_serial += 1
            out_path = self.ctx.scratch / f"{self.name}-{self._case_serial}.out"
            err_path = self.ctx.scratch / f"{self.name}-{self._case_serial}.err"
            if stdout is None:
                stdout_fd = _create(out_path, own_fds)
            else:
                stdout_fd = stdout
                own_fds.append(stdout)
                # A regular file keeps its size after the run: keep a copy to measure it, so
                # that a program that ignores SIGXFSZ (Python does) still gets OUTPUT_LIMIT.
                if stat.S_ISREG(os.fstat(stdout).st_mode):
                    out_file_fd = os.dup(stdout)
                    own_fds.append(out_file_fd)
            stderr_fd = _create(err_path, own_fds)
            cg_fds: list[int] = []
            if self.ctx.cgroups is not None:
                case_name = f"{self.name}-{self._case_serial}"
                cg = CaseCgroup(self.ctx.cgroups, self.ctx.instance, case_name)
                cg.create(memory=limits.memory, processes=limits.processes)
                cg_fds = cg.procs_fds()
                own_fds.extend(cg_fds)
            request = self._request(argv, limits, cwd, env, len(cg_fds))
            fds = [stdin_fd, stdout_fd, stderr_fd, *cg_fds]
            observation = await self._execute(request, fds, own_fds, limits, cg)
            if cg is not None:
                await _until_empty(cg)
            if out_file_fd is not None:
                size = os.fstat(out_file_fd).st_size
                observation = dataclasses.replace(observation, output_size=size)
            result = self._result(observation, limits, stdout is None, out_path, err_path)
        except BaseException:
            # Cancelled (or broken): nothing of this box may keep running.
            self.kill_now()
            raise
        finally:
            for fd in own_fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if cg is not None and not _try_remove(cg):
                self._stale_cgroups.append(cg)
            if self._stale_cgroups or self._dead_procs:
                self._schedule_cleanup()
            for suffix in (".out", ".err"):
                path = self.ctx.scratch / f"{self.name}-{self._case_serial}{suffix}"
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        return result

    def _open_stdin(self, stdin: Path | int | None, own: list[int]) -> int:
        if isinstance(stdin, int):
            own.append(stdin)  # the caller's fd is ours now: closed once the box has its copy
            return stdin
        path = "/dev/null" if stdin is None else str(stdin)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | (0 if stdin is None else os.O_NOFOLLOW))
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise SandboxError(
                    f"the input file {path} is a symbolic link: pass its resolved path"
                ) from exc
            raise
        own.append(fd)
        return fd

    def _request(
        self,
        argv: Sequence[str],
        limits: Limits,
        cwd: str,
        env: Mapping[str, str] | None,
        ncgroup: int,
    ) -> RunRequest:
        no_cgroup = self.ctx.cgroups is None
        return RunRequest(
            argv=[self.visible_path(a) if a.startswith("/") else a for a in argv],
            env=bwrap.box_env({**self.ctx.layout.env, **(env or {})}),
            cwd=self.visible_path(cwd),
            ncgroup=ncgroup,
            rlimit_cpu=int(limits.cpu_time) + 1,  # backstop: the host kills at the exact limit
            rlimit_fsize=limits.output + 1,
            rlimit_stack=-1 if not no_cgroup else limits.memory,
            rlimit_as=limits.memory if no_cgroup else 0,
        )

    async def _execute(
        self,
        request: RunRequest,
        fds: list[int],
        own_fds: list[int],
        limits: Limits,
        cg: CaseCgroup | None,
    ) -> Observation:
        sock = self._sock
        assert sock is not None
        try:
            sock.sendmsg(
                [request.encode()],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))],
            )
        except OSError as exc:
            self.kill_now()
            return _internal(limits, f"the box supervisor is gone ({exc})")
        for fd in list(own_fds):  # the box has its copies now; keep only the cgroup fds' owner
            if fd in fds[:3]:
                os.close(fd)
                own_fds.remove(fd)
        wall_limit = limits.effective_wall_time
        started = time.monotonic()
        killed_for: str | None = None
        kill_deadline: float | None = None
        while True:
            now = time.monotonic()
            cpu = cg.cpu_time() if cg is not None else 0.0
            if killed_for is None:
                if cpu >= limits.cpu_time:
                    killed_for = "cpu"
                elif now - started >= wall_limit:
                    killed_for = "wall"
                if killed_for is not None:
                    self._kill_case(cg)
                    kill_deadline = now + EXIT_GRACE
            if kill_deadline is not None:
                wait = kill_deadline - now
                if wait <= 0:
                    self.kill_now()
                    return _internal(limits, "the box did not stop after a kill", killed_for)
            else:
                cpu_left = (limits.cpu_time - cpu) / max(1, self.ctx.cpu_count)
                wait = max(_MIN_POLL, min(cpu_left, wall_limit - (now - started)))
            try:
                async with asyncio.timeout(wait):
                    data = await self._recv(sock)
            except TimeoutError:
                continue
            if not data:  # the supervisor died (killed from inside, or the box broke)
                self.kill_now()
                return _internal(limits, "the box supervisor died during the run", killed_for)
            reply = Reply.decode(data)
            if reply.kind is ReplyKind.STARTED:
                started = time.monotonic()
                continue
            if reply.kind is ReplyKind.FAILED:
                known = reply.stage in {s.value for s in FailedStage}
                stage = FailedStage(reply.stage).name.lower() if known else str(reply.stage)
                reason = os.strerror(reply.err)
                return _internal(limits, f"could not start {request.argv[0]!r}: {reason} ({stage})")
            return self._observe(reply, limits, cg, killed_for)

    def _kill_case(self, cg: CaseCgroup | None) -> None:
        if cg is not None:
            cg.kill_all()
        else:  # without a cgroup the only reliable kill is the whole box
            self.kill_now()

    def _observe(
        self, reply: Reply, limits: Limits, cg: CaseCgroup | None, killed_for: str | None
    ) -> Observation:
        if cg is not None:
            cg.kill_all()  # whatever the program left behind (daemons) dies with the case
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
        )

    def _result(
        self, o: Observation, limits: Limits, captured: bool, out_path: Path, err_path: Path
    ) -> ExecResult:
        stdout, out_size = _read_capped(out_path, limits.output) if captured else (b"", 0)
        stderr, err_size = _read_capped(err_path, limits.stderr)
        if captured:
            o = dataclasses.replace(o, output_size=out_size)
        status, exit_code, sig, kind, message = classify(o)
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
        )


def _internal(limits: Limits, message: str, killed_for: str | None = None) -> Observation:
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


def _create(path: Path, own: list[int]) -> int:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    own.append(fd)
    return fd


def _read_capped(path: Path, cap: int) -> tuple[bytes, int]:
    """The first `cap` bytes of a capture file and its full size (never follows a symlink)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP):
            return b"", 0
        raise
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        return f.read(cap), size


async def _until_empty(cg: CaseCgroup, timeout: float = 2.0) -> None:
    """Kill what the case left (daemons, a fork bomb) and wait until it is gone, so that
    nothing of one case still runs when the result is out and the next case starts."""
    deadline = time.monotonic() + timeout
    cg.kill_all()
    while cg.pids() and time.monotonic() < deadline:
        await asyncio.sleep(0.0005)
        cg.kill_all()


def _try_remove(cg: CaseCgroup | BoxCgroup) -> bool:
    cg.kill_all()
    return cg.remove()
