"""Sandbox cost: one case through a started box against bare fork/exec, box start, cancel-to-dead.

    .venv/bin/python bench/bench_sandbox.py [--runs 300] [--cancels 100]

Measured in one run, on this machine, so the ratios hold even when the machine is busy:
- per case: a trivial static C program, the same dynamic, `/usr/bin/python3 -S -c pass`,
  through a box that is already up (host wall time around `Box.run`), against
  `os.posix_spawn` + `waitpid` of the same program (and `subprocess.run`).
- box start: `Sandbox.box()` entered and left (bwrap, namespaces, supervisor READY).
- cancel to all dead: a busy loop is cancelled (`task.cancel()`), then the case cgroup's
  processes and the box's processes are polled until none is alive.
- where a case's time goes (profile): the host's cgroup work (mkdir, limits, open
  cgroup.procs, rmdir) and a run through the same box without a case cgroup.
Goals: overhead over bare <= 2 ms median once a box is up; cancel to all dead <= 20 ms p99.
Writes bench/results/sandbox.json and bench/results/sandbox.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchcore import capture, spread, write

from judgebox.sandbox import Box, Mount, Sandbox, SandboxConfig
from judgebox.sandbox.cgroups import CaseCgroup
from judgebox.vocabulary.limits import Limits

TRIVIAL_C = "int main(void) { return 0; }\n"
BUSY_C = "int main(void) { volatile unsigned long n = 0; for (;;) n++; }\n"
UID_BASE = 64800  # away from a running server's boxes and the test suite's


def summary(seconds: list[float]) -> dict[str, float]:
    """The spread in milliseconds (benchcore.spread)."""
    return spread(seconds, scale=1e3)


def spawn_and_wait(argv: list[str], devnull: int) -> float:
    """Seconds for one os.posix_spawn + waitpid of `argv` (stdio on /dev/null)."""
    actions = [(os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)]
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, {"PATH": "/usr/bin"}, file_actions=actions)
    os.waitpid(pid, 0)
    return time.perf_counter() - started


def bare_subprocess(argv: list[str], runs: int) -> list[float]:
    """Seconds per subprocess.run of `argv` with captured output."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    """Seconds per awaited call."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


async def box_against_bare(
    box: Box, in_box: list[str], on_host: list[str], runs: int
) -> tuple[list[float], list[float]]:
    """Seconds per Box.run of `in_box` and per bare spawn of `on_host`, interleaved run by run
    so that both see the same machine (other load comes and goes on a shared host)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    boxed, bare = [], []
    try:
        for i in range(runs + 1):
            started = time.perf_counter()
            result = await box.run(in_box, limits=Limits())
            elapsed = time.perf_counter() - started
            assert result.ok, result
            spawn = spawn_and_wait(on_host, devnull)
            if i:  # the first of each is a warm-up
                boxed.append(elapsed)
                bare.append(spawn)
    finally:
        os.close(devnull)
    return boxed, bare


async def with_and_without_case_cgroup(
    box: Box, argv: list[str], runs: int
) -> tuple[list[float], list[float], list[float]]:
    """Seconds per Box.run with its case cgroup and, interleaved, with none (rlimits only):
    the difference is what the cgroups cost a case (host mkdir/limits/rmdir, child joins).
    Third: the supervisor's own fork-to-reaped time of the runs with a cgroup."""
    real_ctx = box.ctx
    plain_ctx = dataclasses.replace(real_ctx, cgroups=None)
    with_cg: list[float] = []
    without: list[float] = []
    in_box: list[float] = []
    try:
        for _ in range(runs):
            for ctx, out in ((real_ctx, with_cg), (plain_ctx, without)):
                box.ctx = ctx
                started = time.perf_counter()
                result = await box.run(argv, limits=Limits())
                out.append(time.perf_counter() - started)
                assert result.ok, result
                if ctx is real_ctx:
                    in_box.append(result.wall_time)
    finally:
        box.ctx = real_ctx
    return with_cg, without, in_box


def cgroup_cycle(sandbox: Sandbox, runs: int) -> list[float]:
    """Seconds for the host's part of a case's cgroups, as a box does it case after case:
    the per-case directories made, limits, procs opened, counters read, removed."""
    layout = sandbox.isolation.cgroups
    assert layout is not None
    times = []
    cg: CaseCgroup | None = None  # kept from case to case, as a box does (v1 pids, cpuacct)
    for i in range(runs):
        started = time.perf_counter()
        if cg is None:
            cg = CaseCgroup(layout, sandbox.instance, f"bench-{i}")
            cg.create(memory=256 << 20, processes=64)
        else:
            cg.next_case(f"bench-{i}", memory=256 << 20, processes=64)
        for fd in cg.procs_fds():
            os.close(fd)
        cg.cpu_time()
        cg.memory_peak()
        cg.oom_killed()
        cg.kill_all()
        assert cg.end_case()
        times.append(time.perf_counter() - started)
    if cg is not None:
        assert cg.remove()
    return times


def all_dead(box_pids: list[int], case_procs: list[Path]) -> bool:
    """No process of the cancelled box is alive (zombies count as dead)."""
    for path in case_procs:
        try:
            if path.read_text().split():
                return False
        except OSError:
            pass
    for pid in box_pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            return False
    return True


async def cancel_to_dead(sandbox: Sandbox, box: Box, busy: str, cancels: int) -> list[float]:
    """Seconds from task.cancel() of a busy loop's run to every process of it dead."""
    layout = sandbox.isolation.cgroups
    assert layout is not None
    inst_dirs = layout.instance_dirs(sandbox.instance)
    times = []
    for _ in range(cancels):
        task = asyncio.create_task(box.run([busy], limits=Limits(cpu_time=30, wall_time=30)))
        case_procs: list[Path] = []
        while not case_procs:  # until the busy loop is in its case cgroup
            await asyncio.sleep(0.001)
            for inst in inst_dirs:
                for case in inst.iterdir() if inst.exists() else []:
                    procs = case / "cgroup.procs"
                    if case.is_dir() and procs.read_text().split():
                        case_procs.append(procs)
        proc = box._proc  # the bench looks at the box's own processes from outside
        box_pids = [p for p in (proc.pid if proc else None, box._init_pid) if p is not None]
        started = time.perf_counter()
        task.cancel()
        await asyncio.sleep(0)  # the task runs up to its kill
        while not all_dead(box_pids, case_procs):
            # Blocking on purpose: the kill already happened synchronously in the task, and
            # yielding to the loop here would add its scheduling delay to the figure.
            time.sleep(0.0001)  # noqa: ASYNC251
        times.append(time.perf_counter() - started)
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return times


async def measure(args: argparse.Namespace, root: Path) -> dict[str, object]:
    sandbox = Sandbox.open(SandboxConfig(work_root=root / "work", uid_base=UID_BASE))
    try:
        programs = sandbox.workspace("programs")
        for name, source, static in (
            ("trivial_static", TRIVIAL_C, True),
            ("trivial_dynamic", TRIVIAL_C, False),
            ("busy", BUSY_C, True),
        ):
            src = programs / f"{name}.c"
            src.write_text(source)
            flags = ["-static"] if static else []
            subprocess.run(["gcc", "-O2", "-o", str(programs / name), str(src), *flags], check=True)
        workloads = {
            "C static": ("/box/trivial_static", str(programs / "trivial_static")),
            "C dynamic": ("/box/trivial_dynamic", str(programs / "trivial_dynamic")),
            "python3 -S -c pass": ("/usr/bin/python3", "/usr/bin/python3"),
        }
        mounts = [Mount(programs, "/box")]
        per_case: dict[str, object] = {}
        async with sandbox.box(mounts) as box:
            for label, (in_box, on_host) in workloads.items():
                extra = ["-S", "-c", "pass"] if label.startswith("python") else []
                boxed_s, bare_s = await box_against_bare(
                    box, [in_box, *extra], [on_host, *extra], args.runs
                )
                boxed, bare = summary(boxed_s), summary(bare_s)
                sub = summary(bare_subprocess([on_host, *extra], min(args.runs, 100)))
                per_case[label] = {
                    "box": boxed,
                    "bare_posix_spawn": bare,
                    "bare_subprocess_run": sub,
                    "overhead_median_ms": round(boxed["median"] - bare["median"], 3),
                    "ratio_median": round(boxed["median"] / bare["median"], 2),
                }
            with_cg, without_cg, in_box_wall = await with_and_without_case_cgroup(
                box, ["/box/trivial_static"], args.runs
            )
            cancel = summary(await cancel_to_dead(sandbox, box, "/box/busy", args.cancels))

        async def start_and_leave() -> None:
            async with sandbox.box(mounts):
                pass

        await start_and_leave()
        box_start = summary(await timed(start_and_leave, args.starts))
        cgroup_host = summary(cgroup_cycle(sandbox, args.runs))
        return {
            "isolation": sandbox.isolation.summary(),
            "per_case": per_case,
            "box_start": box_start,
            "cancel_to_all_dead": cancel,
            "profile": {
                "host side of a case cgroup (mkdir, limits, counters, kill, rmdir)": cgroup_host,
                "C static with its case cgroup": summary(with_cg),
                "C static without a case cgroup": summary(without_cg),
                "C static: supervisor fork to reaped (in the box)": summary(in_box_wall),
            },
        }
    finally:
        sandbox.close()


def markdown(figures: dict[str, object]) -> str:
    per_case = figures["per_case"]
    assert isinstance(per_case, dict)
    lines = [
        "# Sandbox cost (bench/bench_sandbox.py)",
        "",
        f"{figures['isolation']}.",
        "",
        "Per case through a box that is already up (host wall time around `Box.run`) against",
        "bare `posix_spawn` + `waitpid` of the same program, in the same run. Goal: overhead",
        "<= 2 ms median.",
        "",
        "| program | box median ms | box p95 ms | box min-max ms | bare median ms | bare p95 ms "
        "| subprocess.run median ms | overhead ms | ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, row in per_case.items():
        lines.append(
            f"| {label} | {row['box']['median']} | {row['box']['p95']} "
            f"| {row['box']['min']}-{row['box']['max']} "
            f"| {row['bare_posix_spawn']['median']} | {row['bare_posix_spawn']['p95']} "
            f"| {row['bare_subprocess_run']['median']} "
            f"| {row['overhead_median_ms']} | {row['ratio_median']} |"
        )
    start, cancel = figures["box_start"], figures["cancel_to_all_dead"]
    profile = figures["profile"]
    assert isinstance(start, dict) and isinstance(cancel, dict) and isinstance(profile, dict)
    lines += [
        "",
        "| other | median ms | p95 ms | p99 ms | min ms | max ms | n |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    others = {"box start (enter + leave `Sandbox.box`)": start,
              "cancel to all dead (goal p99 <= 20 ms)": cancel,
              **{f"profile: {label}": row for label, row in profile.items()}}  # fmt: skip
    for label, row in others.items():
        lines.append(
            f"| {label} | {row['median']} | {row['p95']} | {row['p99']} | {row['min']} "
            f"| {row['max']} | {row['n']} |"
        )
    worst = max(row["overhead_median_ms"] for row in per_case.values())
    lines += [
        "",
        f"Goals: per-case overhead <= 2 ms median: {'met' if worst <= 2 else 'MISSED'} "
        f"(worst {worst} ms); cancel to all dead <= 20 ms p99: "
        f"{'met' if cancel['p99'] <= 20 else 'MISSED'} ({cancel['p99']} ms).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--cancels", type=int, default=100)
    parser.add_argument("--starts", type=int, default=30)
    args = parser.parse_args()
    env = capture()
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-", dir="/tmp"))
    root.chmod(0o711)
    try:
        figures = asyncio.run(measure(args, root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    write("sandbox", figures, markdown(figures), env)
    print(markdown(figures))


if __name__ == "__main__":
    main()
