"""Throughput: trivial C cases judged per second with 1 and 2 parallel boxes (Settings.parallelism).

    .venv/bin/python bench/bench_throughput.py [--repeat 5] [--cases 300]

One run of a C a+b against a plain folder of `--cases` cases, through the
Judge API (sandbox opened once, program compiled once and cached). Cases per
second = cases / (complete event - compile event). Baseline in the same run:
the same static binary (gcc with judgebox's flags) started with subprocess.run
per case, unsandboxed, from 1 and from 2 threads, output compared by tokens.
Also the judging process's own CPU per case (what a second box cannot
parallelise). Writes bench/results/throughput.json and throughput.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchcore import Environment, capture, spread, spread_cell, write

from judgebox.judging.judge import Judge, Submission
from judgebox.problems.package import Problem, load_problem
from judgebox.sandbox import Sandbox, SandboxConfig
from judgebox.settings import Settings
from judgebox.vocabulary.events import CompileEvent, CompleteEvent

UID_BASE = 65400  # no test suite or other benchmark uses 65400..65463
C_SOURCE = (
    '#include <stdio.h>\nint main(void){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);}\n'
)
C_FLAGS = ["-O2", "-std=gnu17", "-static", "-pipe"]


def lay_out_cases(folder: Path, count: int) -> Problem:
    """A plain problem folder of `count` a+b cases (all secret)."""
    folder.mkdir(parents=True)
    for n in range(1, count + 1):
        (folder / f"{n}.in").write_text(f"{n} {n * 7}\n")
        (folder / f"{n}.ans").write_text(f"{n * 8}\n")
    return load_problem(folder)


def own_cpu() -> float:
    """CPU seconds of this (the judging) process so far, boxes excluded."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def judged_rate(judge: Judge, problem: Problem) -> tuple[float, float]:
    """(cases per second, judging process CPU ms per case) of one AC run, compile excluded."""
    compiled, cpu_at_compile = time.perf_counter(), own_cpu()
    verdict = "?"
    async for event in judge.run(Submission(problem, "c", C_SOURCE)):
        if isinstance(event, CompileEvent):
            compiled, cpu_at_compile = time.perf_counter(), own_cpu()
        elif isinstance(event, CompleteEvent):
            verdict = str(event.summary.verdict)
    elapsed, cpu = time.perf_counter() - compiled, own_cpu() - cpu_at_compile
    if verdict != "AC":
        raise RuntimeError(f"throughput run ended {verdict}, expected AC")
    return len(problem.cases) / elapsed, cpu * 1000 / len(problem.cases)


def naive_rate(binary: Path, problem: Problem, threads: int) -> float:
    """Cases per second of subprocess.run per case, no sandbox, from `threads` threads."""

    def one(index: int) -> None:
        case = problem.cases[index]
        with case.input_path.open("rb") as stdin:
            out = subprocess.run([str(binary)], stdin=stdin, capture_output=True, check=True)
        if out.stdout.split() != case.answer_path.read_bytes().split():
            raise RuntimeError(f"naive run: wrong output on case {case.name}")

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(len(problem.cases))))
    return len(problem.cases) / (time.perf_counter() - started)


async def main(repeat: int, cases: int) -> dict[str, Any]:
    """Measure judgebox and the naive baseline, interleaved, for 1 and 2 boxes."""
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-throughput-", dir="/tmp"))
    root.chmod(0o711)
    sandbox = Sandbox.open(SandboxConfig(work_root=root / "work", uid_base=UID_BASE))
    try:
        problem = lay_out_cases(root / "cases", cases)
        (root / "main.c").write_text(C_SOURCE)
        binary = root / "main"
        subprocess.run(["/usr/bin/gcc", *C_FLAGS, "-o", str(binary), str(root / "main.c")],
                       check=True)  # fmt: skip
        rows = []
        for parallelism in (1, 2):
            judge = Judge(Settings(cache_dir=root / "cache", parallelism=parallelism), sandbox)
            await judged_rate(judge, problem)  # warm: the compile cache, the uids' /etc
            ours, bare, own = [], [], []
            for _ in range(repeat):
                rate, cpu_ms = await judged_rate(judge, problem)
                ours.append(rate)
                own.append(cpu_ms)
                bare.append(naive_rate(binary, problem, parallelism))
            row = {
                "parallel_boxes": parallelism,
                "judgebox_cases_per_s": round(statistics.median(ours), 1),
                "naive_cases_per_s": round(statistics.median(bare), 1),
                "ratio_to_naive": round(statistics.median(ours) / statistics.median(bare), 3),
                "judging_process_cpu_ms_per_case": round(statistics.median(own), 2),
                "judgebox_cases_per_s_spread": spread(ours, digits=1),
                "naive_cases_per_s_spread": spread(bare, digits=1),
            }
            print(row, flush=True)
            rows.append(row)
    finally:
        sandbox.close()
        shutil.rmtree(root, ignore_errors=True)
    return {"cases": cases, "repeat": repeat, "cpus": os.cpu_count(), "rows": rows}


def write_report(figures: dict[str, Any], env: Environment) -> None:
    """bench/results/throughput.json and throughput.md."""
    lines = [
        "# Throughput: trivial C cases per second",
        "",
        f"One run of {figures['cases']} a+b cases in C (compiled once), medians of "
        f"{figures['repeat']} runs, {figures['cpus']} CPUs. Baseline: the same binary with "
        "subprocess.run per case, no sandbox, from as many threads as boxes.",
        "",
        "| parallel boxes | judgebox cases/s | naive cases/s | judgebox / naive "
        "| judging process CPU ms/case | judgebox spread | naive spread |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in figures["rows"]:
        lines.append(
            f"| {row['parallel_boxes']} | {row['judgebox_cases_per_s']} | "
            f"{row['naive_cases_per_s']} | {row['ratio_to_naive']} | "
            f"{row['judging_process_cpu_ms_per_case']} "
            f"| {spread_cell(row['judgebox_cases_per_s_spread'])} "
            f"| {spread_cell(row['naive_cases_per_s_spread'])} |"
        )
    lines += [
        "",
        "*judging process CPU*: CPU time of the process that runs the judge (event loop, "
        "box protocol, checker), boxes and programs excluded: with 2 CPUs, it bounds how far "
        "a second box can help. Spread: median (p95, min-max, n) of cases/s.",
    ]
    write("throughput", figures, "\n".join(lines), env)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    environment = capture()
    write_report(asyncio.run(main(args.repeat, args.cases)), environment)
