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

Three modules, one job each: box_process.py (the life cycle: start, kill, reap, close),
this module (running one case: the request, its fds, the watchdog), box_results.py
(reading results: the counters, the capture files, the status).

Cancelling the task that awaits `run()` kills the box synchronously before the
CancelledError goes on; `close()` (shielded by the caller) reaps and removes.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import dataclasses
import errno
import os
import socket
import stat
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from judgebox.sandbox import bwrap
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
            res = result(observation, limits, stdout is None, out_path, err_path)
        except BaseException:
            # Cancelled (or broken): nothing of this box may keep running.
            self.kill_now()
            raise
        finally:
            for fd in own_fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if cg is not None and not try_remove(cg):
                self._stale_cgroups.append(cg)
            if self._stale_cgroups or self._dead_procs:
                self._schedule_cleanup()
            for suffix in (".out", ".err"):
                path = self.ctx.scratch / f"{self.name}-{self._case_serial}{suffix}"
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        return res

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
            return internal(limits, f"the box supervisor is gone ({exc})")
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
                    # Not a limit verdict: nothing was measured, and the box is broken.
                    return internal(
                        limits,
                        f"the box did not stop within {EXIT_GRACE:g} s of a kill for the "
                        f"{killed_for} limit; it was killed whole",
                    )
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
                return internal(limits, "the box supervisor died during the run", killed_for)
            reply = Reply.decode(data)
            if reply.kind is ReplyKind.STARTED:
                started = time.monotonic()
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


def _create(path: Path, own: list[int]) -> int:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    own.append(fd)
    return fd


async def _until_empty(cg: CaseCgroup, timeout: float = 2.0) -> None:
    """Kill what the case left (daemons, a fork bomb) and wait until it is gone, so that
    nothing of one case still runs when the result is out and the next case starts."""
    deadline = time.monotonic() + timeout
    cg.kill_all()
    while cg.pids() and time.monotonic() < deadline:
        await asyncio.sleep(0.0005)
        cg.kill_all()
