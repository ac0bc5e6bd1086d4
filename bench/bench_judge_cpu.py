"""The judge's own CPU per trivial case: this tree against a baseline tree, in the same run.

    .venv/bin/python bench/bench_judge_cpu.py [--baseline SRC | --baseline-ref REF]
        [--cases 2000] [--repeat 3] [--parallelism 1 2]
    .venv/bin/python bench/bench_judge_cpu.py --child SRC --cases N --parallelism P
        [--profile FILE] [--child-breakdown RUNS]

One run of a C a+b against a plain folder of `--cases` cases through the Judge API, in
a child process per measurement whose `sys.path` starts with the tree under test (so
the baseline's code and this tree's code never mix). The figure is the CPU time of the
judging process itself (RUSAGE_SELF: event loop, box protocol, cgroups, checker; the
boxes and the programs are other processes) from the compile event to the complete
event, divided by the cases. The machine is shared: wall-clock rates are printed too but
CPU time is the figure that means something. The baseline is a source tree (`--baseline`)
or a commit checked out into a temporary git worktree (`--baseline-ref`, by default the
main commit before issue 17's CPU work). Baseline and candidate alternate, so load
changes hit both alike. `--profile` writes cProfile stats of the judged part.
`--breakdown RUNS` (default 1000; 0: none) then measures, per tree, where a trivial
case's host time goes: the cgroup work alone, Box.run, the supervisor's round trip.

Writes bench/results/judge_cpu.json and judge_cpu.md through bench/benchcore.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchcore import Environment, capture, spread, spread_cell, write

REPO = Path(__file__).resolve().parent.parent
BASELINE_REF = "61d197c"  # main before issue 17 item 2 (the judge's CPU per case)
HERE_SRC = Path(__file__).resolve().parent.parent / "src"
UID_BASE = 65600  # no test suite or other benchmark uses 65600..65663
C_SOURCE = (
    '#include <stdio.h>\nint main(void){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);}\n'
)


def own_cpu() -> float:
    """CPU seconds of this process so far (children excluded)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def own_sys() -> float:
    """Kernel CPU seconds of this process so far (the syscalls' share)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


async def child(cases: int, parallelism: int, profile: str | None) -> dict[str, float]:
    """Judge one warm-up run and one measured run; the measured run's figures."""
    import cProfile

    from judgebox.judging.judge import Judge, Submission
    from judgebox.problems.package import load_problem
    from judgebox.sandbox import Sandbox, SandboxConfig
    from judgebox.settings import Settings
    from judgebox.vocabulary.events import CompileEvent, CompleteEvent

    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-cpu-", dir="/tmp"))
    root.chmod(0o711)
    sandbox = Sandbox.open(SandboxConfig(work_root=root / "work", uid_base=UID_BASE))
    try:
        folder = root / "cases"
        folder.mkdir()
        for n in range(1, cases + 1):
            (folder / f"{n}.in").write_text(f"{n} {n * 7}\n")
            (folder / f"{n}.ans").write_text(f"{n * 8}\n")
        problem = load_problem(folder)
        judge = Judge(Settings(cache_dir=root / "cache", parallelism=parallelism), sandbox)
        warm = dataclasses.replace(problem, cases=problem.cases[:50])
        async for _ in judge.run(Submission(warm, "c", C_SOURCE)):
            pass
        prof = cProfile.Profile(time.process_time) if profile else None
        verdict = "?"
        wall0, cpu0, sys0 = time.perf_counter(), own_cpu(), own_sys()
        async for event in judge.run(Submission(problem, "c", C_SOURCE)):
            if isinstance(event, CompileEvent):
                wall0, cpu0, sys0 = time.perf_counter(), own_cpu(), own_sys()
                if prof is not None:
                    prof.enable()
            elif isinstance(event, CompleteEvent):
                verdict = str(event.summary.verdict)
        if prof is not None:
            prof.disable()
        wall, cpu, kernel = time.perf_counter() - wall0, own_cpu() - cpu0, own_sys() - sys0
        if verdict != "AC":
            raise RuntimeError(f"run ended {verdict}, expected AC")
        if prof is not None and profile is not None:
            prof.dump_stats(profile)
        return {"cpu_ms_per_case": cpu * 1000 / cases, "sys_ms_per_case": kernel * 1000 / cases,
                "cases_per_s": cases / wall}  # fmt: skip
    finally:
        sandbox.close()
        shutil.rmtree(root, ignore_errors=True)


async def breakdown(runs: int) -> dict[str, float]:
    """Where a trivial case's host time goes, measured piece by piece in this process.

    - the host's cgroup work alone (CaseCgroup create or next_case, cgroup.procs fds, the
      reads after the exit, end_case or remove): CPU of this process, user and kernel;
    - Box.run of the a+b program through one box that is up: CPU of this process (user,
      kernel), host wall per case, the supervisor's round trip (sendmsg to the EXITED
      record decoded) and, inside it, the box's own fork-to-reaped time (EXITED wall_ns).
    The judge's own per-case work (check, result, event) is the judge figure minus Box.run.
    """
    from judgebox.sandbox import Box, Mount, Sandbox, SandboxConfig
    from judgebox.sandbox.cgroups import CaseCgroup
    from judgebox.sandbox.protocol import Reply, ReplyKind
    from judgebox.vocabulary.limits import Limits

    def usage() -> tuple[float, float]:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_utime, ru.ru_stime

    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-cpu-split-", dir="/tmp"))
    root.chmod(0o711)
    prog = root / "prog"
    prog.mkdir()
    (prog / "main.c").write_text(C_SOURCE)
    subprocess.run(["/usr/bin/gcc", "-O2", "-static", "-o", str(prog / "main"),
                    str(prog / "main.c")], check=True)  # fmt: skip
    (root / "in").write_text("3 4\n")
    sandbox = Sandbox.open(SandboxConfig(work_root=root / "work", uid_base=UID_BASE + 8))
    out: dict[str, float] = {}
    try:
        layout, instance = sandbox.isolation.cgroups, sandbox.instance
        assert layout is not None
        limits = Limits(cpu_time=1.0, wall_time=3.0, memory=256 << 20)
        u0, s0 = usage()
        # As a box does it: a tree that keeps cgroups from case to case (`next_case`, v1
        # pids and cpuacct) keeps them here too; an older tree makes all of them per case.
        keeps = hasattr(CaseCgroup, "next_case")
        cg: Any = None
        for n in range(runs):
            if cg is None:
                cg = CaseCgroup(layout, instance, f"bench-split-{n}")
                cg.create(memory=limits.memory, processes=limits.processes)
            else:
                cg.next_case(f"bench-split-{n}", memory=limits.memory, processes=limits.processes)
            for fd in cg.procs_fds():
                os.close(fd)
            cg.emptied = cg.kill_all()
            cg.cpu_time(), cg.memory_peak(), cg.oom_killed()
            if not (keeps and cg.end_case()):
                cg.remove()
                cg = None
        if cg is not None:
            cg.remove()
        u1, s1 = usage()
        out["cgroup_user_ms"] = (u1 - u0) * 1000 / runs
        out["cgroup_sys_ms"] = (s1 - s0) * 1000 / runs
        trips: list[float] = []
        in_box: list[float] = []
        sent = [0.0]
        decode = Reply.decode.__func__  # type: ignore[attr-defined]

        def spy(cls: type[Reply], data: bytes) -> Reply:
            reply: Reply = decode(cls, data)
            if reply.kind is ReplyKind.EXITED:
                trips.append(time.perf_counter() - sent[0])
                in_box.append(reply.wall_ns / 1e9)
            return reply

        async with sandbox.box([Mount(prog, "/box")]) as box:
            assert isinstance(box, Box)
            for _ in range(50):
                await box.run(["/box/main"], limits=limits, stdin=root / "in")
            Reply.decode = classmethod(spy)  # type: ignore[method-assign, assignment]
            try:
                u0, s0 = usage()
                wall0 = time.perf_counter()
                for _ in range(runs):
                    sent[0] = time.perf_counter()
                    result = await box.run(["/box/main"], limits=limits, stdin=root / "in")
                    if result.stdout != b"7\n":
                        raise RuntimeError(f"breakdown run: {result}")
                wall = time.perf_counter() - wall0
                u1, s1 = usage()
            finally:
                Reply.decode = classmethod(decode)  # type: ignore[method-assign, assignment]
        out["box_run_user_ms"] = (u1 - u0) * 1000 / runs
        out["box_run_sys_ms"] = (s1 - s0) * 1000 / runs
        out["box_run_wall_ms"] = wall * 1000 / runs
        out["round_trip_wall_ms"] = statistics.median(trips) * 1000
        out["in_box_wall_ms"] = statistics.median(in_box) * 1000
    finally:
        sandbox.close()
        shutil.rmtree(root, ignore_errors=True)
    return out


def measure(src: Path, cases: int, parallelism: int, breakdown_runs: int = 0) -> dict[str, float]:
    """One child run of the tree at `src`."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    extra = ["--child-breakdown", str(breakdown_runs)] if breakdown_runs else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(src), "--cases", str(cases),
         "--parallelism", str(parallelism), *extra],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"child for {src} failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def naive_rate(binary: Path, pairs: list[tuple[Path, bytes]], threads: int) -> float:
    """Cases per second of subprocess.run per case, no sandbox, from `threads` threads."""

    def one(pair: tuple[Path, bytes]) -> None:
        with pair[0].open("rb") as stdin:
            out = subprocess.run([str(binary)], stdin=stdin, capture_output=True, check=True)
        if out.stdout.split() != pair[1].split():
            raise RuntimeError("naive run: wrong output")

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, pairs))
    return len(pairs) / (time.perf_counter() - started)


def main(
    baseline: Path, cases: int, repeat: int, parallelisms: list[int], breakdown_runs: int = 0
) -> dict[str, Any]:
    """Baseline, this tree and the naive loop, alternating, for each parallelism; then
    (`breakdown_runs`) where a case's host time goes, both trees alternating."""
    rows = []
    naive_dir = Path(tempfile.mkdtemp(prefix="judgebox-bench-cpu-naive-", dir="/tmp"))
    try:
        pairs = []
        for n in range(1, cases + 1):
            (naive_dir / f"{n}.in").write_text(f"{n} {n * 7}\n")
            pairs.append((naive_dir / f"{n}.in", f"{n * 8}\n".encode()))
        (naive_dir / "main.c").write_text(C_SOURCE)
        binary = naive_dir / "main"
        subprocess.run(["/usr/bin/gcc", "-O2", "-std=gnu17", "-static", "-pipe", "-o",
                        str(binary), str(naive_dir / "main.c")], check=True)  # fmt: skip
        for parallelism in parallelisms:
            figures: dict[str, list[dict[str, float]]] = {"baseline": [], "this": []}
            naive: list[float] = []
            for _ in range(repeat):
                for name, src in (("baseline", baseline), ("this", HERE_SRC)):
                    got = measure(src, cases, parallelism)
                    print(name, parallelism, got, flush=True)
                    figures[name].append(got)
                naive.append(naive_rate(binary, pairs, parallelism))
                print("naive", parallelism, naive[-1], flush=True)
            row: dict[str, Any] = {"parallel_boxes": parallelism}
            naive_median = statistics.median(naive)
            row["naive_cases_per_s"] = round(naive_median, 1)
            row["naive_cases_per_s_spread"] = spread(naive, digits=1)
            for name, runs in figures.items():
                cpu = [r["cpu_ms_per_case"] for r in runs]
                kernel = [r["sys_ms_per_case"] for r in runs]
                rate = [r["cases_per_s"] for r in runs]
                row[f"{name}_cpu_ms_per_case"] = round(statistics.median(cpu), 3)
                row[f"{name}_cpu_ms_spread"] = spread(cpu, digits=3)
                row[f"{name}_sys_ms_per_case"] = round(statistics.median(kernel), 3)
                row[f"{name}_cases_per_s"] = round(statistics.median(rate), 1)
                row[f"{name}_ratio_to_naive"] = round(statistics.median(rate) / naive_median, 3)
            row["cpu_ratio"] = round(
                row["this_cpu_ms_per_case"] / row["baseline_cpu_ms_per_case"], 3
            )
            rows.append(row)
    finally:
        shutil.rmtree(naive_dir, ignore_errors=True)
    split: dict[str, dict[str, float]] = {}
    if breakdown_runs:
        got: dict[str, list[dict[str, float]]] = {"baseline": [], "this": []}
        for _ in range(repeat):
            for name, src in (("baseline", baseline), ("this", HERE_SRC)):
                got[name].append(measure(src, cases, 1, breakdown_runs))
                print("breakdown", name, got[name][-1], flush=True)
        for name, runs in got.items():
            split[name] = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}
    return {"cases": cases, "repeat": repeat, "cpus": os.cpu_count(),
            "baseline": str(baseline), "rows": rows, "breakdown_runs": breakdown_runs,
            "breakdown": split}  # fmt: skip


GOAL_CPU_MS = 0.5  # issue 17: at most 0.5 ms of judge CPU per trivial case
GOAL_RATIO = 0.6  # and with two boxes at least 0.6x the naive loop's cases per second


def goal_lines(figures: dict[str, Any]) -> list[str]:
    """Whether this tree meets issue 17's goals, and by how much it misses them."""
    out = []
    for r in figures["rows"]:
        cpu = r["this_cpu_ms_per_case"]
        verdict = "met" if cpu <= GOAL_CPU_MS else f"missed by {cpu - GOAL_CPU_MS:.3f} ms"
        line = f"Goal judge CPU <= {GOAL_CPU_MS} ms/case, {r['parallel_boxes']} box(es): {verdict}"
        line += f" ({cpu} ms; baseline {r['baseline_cpu_ms_per_case']} ms)"
        if r["parallel_boxes"] == 2:
            ratio = r["this_ratio_to_naive"]
            met = (
                "met"
                if ratio >= GOAL_RATIO
                else f"missed ({ratio}x, {ratio / GOAL_RATIO:.2f} of it)"
            )
            line += f"; goal >= {GOAL_RATIO}x the naive loop with 2 boxes: {met}"
        out.append(f"- {line}.")
    return out


def write_report(figures: dict[str, Any], env: Environment) -> None:
    """bench/results/judge_cpu.json and judge_cpu.md."""
    lines = [
        "# The judge's own CPU per trivial case (baseline tree vs this tree, same run)",
        "",
        f"One run of {figures['cases']} a+b cases in C per measurement, medians of "
        f"{figures['repeat']} alternating runs, {figures['cpus']} CPUs. CPU = RUSAGE_SELF "
        "of the judging process from the compile event to the complete event / cases. "
        "On a shared, loaded host the wall-clock rates say little, and CPU time too grows "
        "with the load (caches, SMT siblings, preemption inside syscalls): compare the two "
        "trees within one run, not figures across runs.",
        "",
        "| boxes | baseline CPU ms/case | of it kernel | this CPU ms/case | of it kernel "
        "| this / baseline | naive cases/s | baseline cases/s (/ naive) "
        "| this cases/s (/ naive) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in figures["rows"]:
        lines.append(
            f"| {r['parallel_boxes']} | {spread_cell(r['baseline_cpu_ms_spread'], 3)} | "
            f"{r['baseline_sys_ms_per_case']} | {spread_cell(r['this_cpu_ms_spread'], 3)} | "
            f"{r['this_sys_ms_per_case']} | {r['cpu_ratio']} | {r['naive_cases_per_s']} | "
            f"{r['baseline_cases_per_s']} ({r['baseline_ratio_to_naive']}) | "
            f"{r['this_cases_per_s']} ({r['this_ratio_to_naive']}) |"
        )
    lines += [
        "",
        "*naive*: the same static binary started with subprocess.run per case, no sandbox, "
        "from as many threads as boxes, output compared by tokens, measured between the "
        "judge runs. Baseline: " + str(figures["baseline"]) + ".",
    ]
    lines += ["", *goal_lines(figures)]
    split = figures.get("breakdown") or {}
    if split:
        judge = {f"{r['parallel_boxes']}": r for r in figures["rows"]}.get("1")
        lines += [
            "",
            "## Where a trivial case's host time goes (1 box)",
            "",
            f"Measured piece by piece in a child per tree, {figures['breakdown_runs']} runs "
            f"each, medians of {figures['repeat']} alternating children (ms per case). "
            "*cgroup work*: a case's cgroups made, their limits written, their "
            "cgroup.procs opened, read after the exit and removed, alone, case after case "
            "as a box does it (on cgroup v1 three directories, memory, pids and cpuacct, "
            "per case in a tree before d044e9a; from it the pids and cpuacct ones are kept "
            "from case to case and reset). *Box.run*: the a+b program through a box that is up "
            "(a spy on the record decoder times the round trip). *judge glue*: the judge "
            "figure above minus Box.run (check, result, events, the loop's passes). "
            "*round trip*: sendmsg to the EXITED record decoded; *in the box*: the "
            "supervisor's fork to reaped (EXITED wall_ns).",
            "",
            "| figure (ms/case) | baseline | this |",
            "| --- | --- | --- |",
        ]
        b, t = split["baseline"], split["this"]
        rows_out = [
            ("cgroup work: user", "cgroup_user_ms"),
            ("cgroup work: kernel", "cgroup_sys_ms"),
            ("Box.run: user", "box_run_user_ms"),
            ("Box.run: kernel", "box_run_sys_ms"),
        ]
        for label, key in rows_out:
            lines.append(f"| {label} | {b[key]} | {t[key]} |")

        def rest(x: dict[str, float]) -> float:
            return round(x["box_run_user_ms"] + x["box_run_sys_ms"] - x["cgroup_user_ms"]
                         - x["cgroup_sys_ms"], 3)  # fmt: skip

        lines.append(f"| Box.run CPU outside the cgroup work | {rest(b)} | {rest(t)} |")
        if judge is not None:
            glue_b = round(judge["baseline_cpu_ms_per_case"] - b["box_run_user_ms"]
                           - b["box_run_sys_ms"], 3)  # fmt: skip
            glue_t = round(judge["this_cpu_ms_per_case"] - t["box_run_user_ms"]
                           - t["box_run_sys_ms"], 3)  # fmt: skip
            lines.append(f"| judge glue (judge CPU, 1 box, minus Box.run) | {glue_b} | {glue_t} |")
        for label, key in (
            ("Box.run: wall", "box_run_wall_ms"),
            ("round trip: wall (median)", "round_trip_wall_ms"),
            ("of it in the box: fork to reaped (median)", "in_box_wall_ms"),
        ):
            lines.append(f"| {label} | {b[key]} | {t[key]} |")
    write("judge_cpu", figures, "\n".join(lines), env)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--baseline-ref", default=BASELINE_REF)
    parser.add_argument("--profile")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--breakdown",
        type=int,
        default=1000,
        help="runs per child of the where-the-time-goes measurement (0: none)",
    )
    parser.add_argument("--child-breakdown", type=int, default=0)
    args = parser.parse_args()
    if args.child is not None:
        sys.path.insert(0, str(args.child))
        if args.child_breakdown:
            got = asyncio.run(breakdown(args.child_breakdown))
        else:
            got = asyncio.run(child(args.cases, args.parallelism[0], args.profile))
        print(json.dumps(got))
    elif args.baseline is not None:
        environment = capture()
        figures = main(args.baseline, args.cases, args.repeat, args.parallelism, args.breakdown)
        write_report(figures, environment)
    else:
        environment = capture()
        tree = Path(tempfile.mkdtemp(prefix="judgebox-bench-baseline-", dir="/tmp"))
        git = ["git", "-C", str(REPO)]
        subprocess.run([*git, "worktree", "add", "--detach", str(tree), args.baseline_ref],
                       check=True, capture_output=True)  # fmt: skip
        try:
            figures = main(tree / "src", args.cases, args.repeat, args.parallelism,
                           args.breakdown)  # fmt: skip
            figures["baseline"] = f"commit {args.baseline_ref}"
            write_report(figures, environment)
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)
