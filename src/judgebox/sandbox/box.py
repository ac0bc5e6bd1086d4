"""A box: one bubblewrap sandbox with a supervisor inside, alive for a whole run.

It runs one program at a time:

    host (this module)                        box (namespaces, uid 610xx, seccomp)
    ──────────────────                        ─────────────────────────────────────
    Box.start()  ── Popen(bwrap ...) ───────▶ supervisor (pid 1, bwrap --as-pid-1)
    Box.run()    ── RUN + fds (SCM_RIGHTS) ──▶ fork: join case cgroup, rlimits, exec
                 ◀── STARTED / EXITED ──────── wait4 (wall time, rusage)
                 watches cgroup CPU time and the wall clock, kills the case
                 cgroup on a limit; reads the counters; removes the case's cgroups
                 (on v1 the box keeps its pids and cpuacct ones, reset, for the next case)
    Box.kill_now()  SIGKILL the box's pid 1: the kernel kills the whole pid namespace

Three modules, one job each: box_process.py (the life cycle: start, kill, reap, close),
this module (running one case: the request, its fds, the watchdog), box_results.py
(reading results: the counters, the capture files, the status).

Cancelling the task that awaits `run()` kills the box synchronously before the
CancelledError goes on; `close()` (shielded by the caller) reaps and removes.
"""

from __future__ import annotations

import array
import asyncio
import collections
import contextlib
import dataclasses
import errno
import os
import socket
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from judgebox.sandbox import bwrap, protocol
from judgebox.sandbox.box_process import BoxContext, BoxProcess, try_remove
from judgebox.sandbox.box_results import internal, observe, result
from judgebox.sandbox.cgroups import CaseCgroup
from judgebox.sandbox.execution import ExecResult, Observation
from judgebox.sandbox.protocol import FailedStage, Reply, ReplyKind, RunRequest
from judgebox.vocabulary.errors import SandboxError
from judgebox.vocabulary.limits import Limits

__all__ = ["Box", "BoxContext"]

EXIT_GRACE = 2.0  # after a kill, how long the supervisor may take to report
_MIN_POLL = 0.004


class Box(BoxProcess):
    """One long-lived sandbox; one `run()` at a time (the judge uses one box per slot)."""

    _captures: _Captures | None = None  # the capture files, between two runs
    _case_cgroup: CaseCgroup | None = None  # the case cgroups, between two runs
    # The last request's arguments, the request and its bytes: a run repeats it case
    # after case, so it is neither rebuilt nor encoded again.
    _last_request: tuple[tuple[object, ...], RunRequest, bytes] | None = None
    _records: _Records | None = None  # the reader of the box socket, from case to case

    def __init__(self, ctx: BoxContext) -> None:
        super().__init__(ctx)
        self._readers: list[_Records] = []  # every reader still registered (an old socket's too)

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
            try:
                await self.start()
            except BaseException:
                for fd in (stdin, stdout):  # consumed even when the box cannot start
                    if isinstance(fd, int):
                        with contextlib.suppress(OSError):
                            os.close(fd)
                raise
        own_fds: list[int] = []  # closed at the end, whatever happens
        handed: list[int] = []  # closed as soon as the box has its copies (pipes see EOF)
        out_file_fd: int | None = None
        self._case_serial += 1
        case_name = f"{self.name}-{self._case_serial}"
        # This run owns the capture files and the case cgroups until it gives them back
        # (only if reusable).
        captures, self._captures = self._captures, None
        cg, self._case_cgroup = self._case_cgroup, None
        if cg is not None and self.ctx.cgroups is None:  # a context without cgroups now
            self._stale_cgroups.append(cg)
            cg = None
        reusable = False
        try:
            if captures is None:
                captures = _Captures.create(f"{self.ctx.scratch}/{case_name}")
            stdin_fd = self._open_stdin(stdin, own_fds)
            handed.append(stdin_fd)
            if stdout is None:
                stdout_fd = captures.out_fd
            else:
                stdout_fd = stdout
                own_fds.append(stdout)
                handed.append(stdout)
                # A regular file keeps its size after the run: keep a copy to measure it, so
                # that a program that ignores SIGXFSZ (Python does) still gets OUTPUT_LIMIT.
                if stat.S_ISREG(os.fstat(stdout).st_mode):
                    out_file_fd = os.dup(stdout)
                    own_fds.append(out_file_fd)
            cg_fds: list[int] = []
            if self.ctx.cgroups is not None:
                if cg is None:
                    cg = CaseCgroup(self.ctx.cgroups, self.ctx.instance, case_name)
                    cg.create(memory=limits.memory, processes=limits.processes)
                else:  # the last case's, seen empty: its kept cgroups serve this one too
                    cg.next_case(case_name, memory=limits.memory, processes=limits.processes)
                cg_fds = cg.procs_fds()
                own_fds.extend(cg_fds)
            request, encoded = self._request(argv, limits, cwd, env, len(cg_fds))
            fds = [stdin_fd, stdout_fd, captures.err_fd, *cg_fds]
            observation = await self._execute(request, encoded, fds, handed, own_fds, limits, cg)
            # Reused for the next case only when nothing of this one can still write to them.
            reusable = cg is not None and await _until_empty(cg) and self.alive
            if out_file_fd is not None:
                size = os.fstat(out_file_fd).st_size
                observation = dataclasses.replace(observation, output_size=size)
            out_fd = captures.out_fd if stdout is None else None
            res = result(observation, limits, out_fd, captures.err_fd)
        except BaseException:
            # Cancelled (or broken): nothing of this box may keep running.
            self.kill_now()
            raise
        finally:
            for fd in own_fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if cg is not None:
                if reusable and self._case_cgroup is None and cg.end_case():
                    self._case_cgroup = cg
                elif not try_remove(cg):
                    self._stale_cgroups.append(cg)
            if self._stale_cgroups or self._dead_procs:
                self._schedule_cleanup()
            if captures is not None:
                if reusable and self._captures is None and captures.clear():
                    self._captures = captures
                else:
                    captures.close()
        return res

    async def close(self, timeout: float = 5.0) -> None:
        """`BoxProcess.close`, and the capture files, the kept case cgroups and the
        socket's reader go too."""
        self._drop_captures()
        self._drop_case_cgroup()
        self._drop_reader()
        await super().close(timeout)

    def close_sync(self, timeout: float = 1.0) -> None:
        """`BoxProcess.close_sync`, and the capture files, the kept case cgroups and the
        socket's reader go too."""
        self._drop_captures()
        self._drop_case_cgroup()
        self._drop_reader()
        super().close_sync(timeout)

    def _reader(self, sock: socket.socket) -> _Records:
        """The reader of `sock`, registered once for case after case (not per case: each
        registration was two epoll_ctl calls and a handle). Its socket is not closed
        until it stops (at EOF, e.g. after `kill_now`'s shutdown, or `_drop_reader`)."""
        records = self._records
        if records is None or records.sock is not sock or not records.reading:
            records = _Records(asyncio.get_running_loop(), sock, self._reader_stopped)
            self._records = records
            self._readers.append(records)
        return records

    def _reader_stopped(self) -> None:
        self._readers = [r for r in self._readers if r.reading]

    def _sock_in_use(self, sock: socket.socket) -> bool:
        return any(r.sock is sock for r in self._readers)

    def _drop_reader(self) -> None:
        records, self._records = self._records, None
        if records is not None:
            records.close()

    def _drop_case_cgroup(self) -> None:
        cg, self._case_cgroup = self._case_cgroup, None
        if cg is not None:
            self._stale_cgroups.append(cg)  # removed by the close's cleanup steps

    def _drop_captures(self) -> None:
        captures, self._captures = self._captures, None
        if captures is not None:
            captures.close()

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
    ) -> tuple[RunRequest, bytes]:
        """The request for a run and its bytes (the last ones again for the same run)."""
        key = (tuple(argv), limits, cwd, None if env is None else tuple(env.items()), ncgroup)
        last = self._last_request
        if last is not None and last[0] == key:
            return last[1], last[2]
        request = self._new_request(argv, limits, cwd, env, ncgroup)
        encoded = request.encode()
        self._last_request = (key, request, encoded)
        return request, encoded

    def _new_request(
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
        encoded: bytes,
        fds: list[int],
        handed: list[int],
        own_fds: list[int],
        limits: Limits,
        cg: CaseCgroup | None,
    ) -> Observation:
        sock = self._sock
        assert sock is not None
        records = self._reader(sock)
        try:
            sock.sendmsg([encoded], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        except OSError as exc:
            self.kill_now()
            return internal(limits, f"the box supervisor is gone ({exc})")
        for fd in handed:  # the box has its copies now: a pipe's other end sees EOF at exit
            os.close(fd)
            own_fds.remove(fd)
        return await self._watch(request, limits, cg, records)

    async def _watch(
        self, request: RunRequest, limits: Limits, cg: CaseCgroup | None, records: _Records
    ) -> Observation:
        """Wait for the case's end, killing it at a limit; what was observed."""
        wall_limit = limits.effective_wall_time
        started = time.monotonic()
        killed_for: str | None = None
        kill_deadline: float | None = None
        # The counter is read after each wait that timed out, not after each record: the
        # last reading is a lower bound, and a record (STARTED) comes before the program
        # has used more than its start-up's microseconds. A case's CPU counter starts at 0.
        cpu = 0.0
        fresh = False
        while True:
            now = time.monotonic()
            if fresh and cg is not None:
                cpu = cg.cpu_time()
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
                    # Not a limit verdict: nothing was measured, and the box is broken.
                    return internal(
                        limits,
                        f"the box did not stop within {EXIT_GRACE:g} s of a kill for the "
                        f"{killed_for} limit; it was killed whole",
                    )
            else:
                cpu_left = (limits.cpu_time - cpu) / max(1, self.ctx.cpu_count)
                wait = max(_MIN_POLL, min(cpu_left, wall_limit - (now - started)))
            data = await records.next(wait)
            fresh = data is None
            if data is None:  # timed out: read the counter and check the limits again
                continue
            if not data:  # the supervisor died (killed from inside, or the box broke)
                self.kill_now()
                return internal(limits, "the box supervisor died during the run", killed_for)
            reply = Reply.decode(data)
            if reply.kind is ReplyKind.STARTED:
                # Sent once the case has run a while (a short case sends EXITED only): the
                # wall clock counts from the fork, which the record says how long ago was.
                started = time.monotonic() - reply.wall_ns / 1e9
                continue
            if reply.kind is ReplyKind.FAILED:
                known = reply.stage in {s.value for s in FailedStage}
                stage = FailedStage(reply.stage).name.lower() if known else str(reply.stage)
                reason = os.strerror(reply.err)
                return internal(limits, f"could not start {request.argv[0]!r}: {reason} ({stage})")
            return observe(reply, limits, cg, killed_for)

    def _kill_case(self, cg: CaseCgroup | None) -> None:
        if cg is not None:
            cg.kill_all()
        else:  # without a cgroup the only reliable kill is the whole box
            self.kill_now()


class _Records:
    """The supervisor's records, read by one reader on the box socket for case after case.

    One reader instead of a `sock_recv` per record: each of those registered and
    unregistered the socket with epoll and made a future. A trivial case has one record
    (EXITED; STARTED comes only for a case that runs a while). `on_stop` is called once,
    when the reader stops (EOF or `close`).
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        on_stop: Callable[[], None],
    ) -> None:
        self._loop = loop
        self.sock = sock
        self._fd = sock.fileno()
        self._queue: collections.deque[bytes] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self.reading = True
        self._on_stop = on_stop
        loop.add_reader(self._fd, self._readable)

    def _readable(self) -> None:
        # One record per wake-up: a case mostly sends one (EXITED), and reading on until
        # EAGAIN cost a syscall each time; a second record wakes the (level-triggered)
        # selector again.
        try:
            data = self.sock.recv(protocol.REPLY_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        self._queue.append(data)
        if not data:  # EOF: stop reading (the socket stays readable for ever)
            self.close()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next(self, timeout: float) -> bytes | None:
        """The next record (b"" at EOF), or None if none came within `timeout` seconds."""
        if not self._queue:
            waiter = self._waiter = self._loop.create_future()
            timer = self._loop.call_later(timeout, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
            if not self._queue:
                return None
        return self._queue.popleft()

    def close(self) -> None:
        """Stop reading (before the socket may be closed)."""
        if self.reading:
            self.reading = False
            self._loop.remove_reader(self._fd)
            self._on_stop()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


@dataclass(slots=True)
class _Captures:
    """A box's capture files (stdout, stderr), held open read-write by the host.

    The program writes straight to them (its fds share the host's open file); the host
    reads them through its own fds (pread from 0), with no second open by name. A box
    keeps one pair for case after case, emptied after each: creating and unlinking two
    files per case cost more host CPU than anything else in a trivial case. Only a case
    whose cgroup was seen empty gives them back, so nothing of an earlier case can still
    write into a later one's output; otherwise (no cgroups, a kill, a case that would
    not die) they are removed and the next case makes its own.
    """

    out_path: str
    err_path: str
    out_fd: int
    err_fd: int

    @classmethod
    def create(cls, base: str) -> _Captures:
        """`<base>.out` and `<base>.err`, new (0600, never through a link)."""
        flags = os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        out_path, err_path = base + ".out", base + ".err"
        out_fd = os.open(out_path, flags, 0o600)
        try:
            err_fd = os.open(err_path, flags, 0o600)
        except BaseException:
            os.close(out_fd)
            os.unlink(out_path)
            raise
        return cls(out_path, err_path, out_fd, err_fd)

    def clear(self) -> bool:
        """Empty both and rewind the shared offset (else the next write leaves a hole)."""
        try:
            for fd in (self.out_fd, self.err_fd):
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
        except OSError:
            return False
        return True

    def close(self) -> None:
        """Close and remove both."""
        for fd in (self.out_fd, self.err_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        for path in (self.out_path, self.err_path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


async def _until_empty(cg: CaseCgroup, timeout: float = 2.0) -> bool:
    """Kill what the case left (daemons, a fork bomb) and wait until it is gone, so that
    nothing of one case still runs when the result is out and the next case starts.
    True once seen empty; False if something still ran at the timeout."""
    # On v1 the kill reads the pid list: seen empty there (here or by `observe` after the
    # program was reaped), it need not be read again.
    if cg.emptied or cg.kill_all():
        return True
    deadline = time.monotonic() + timeout
    while cg.pids():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.0005)
        cg.kill_all()
    return True
