"""Judging speed: judgebox against a naive unsandboxed loop, measured in the same run.

    .venv/bin/python bench/bench_judge.py [--repeat 5]

Workloads: the bundled 52-case a+b in C++ and Python (AC), and one TLE case
with a 1 s limit. Per-case time = (run wall time - compile time) / cases.
Writes bench/results/judge.json and bench/results/judge.md.
Goals (issue 3): <= 4 ms per case for C++, <= 11 ms for Python, TLE reported
within 0.1 s of a 1 s limit.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchcore import Environment, capture, spread, spread_cell, write

from judgebox.judging.judge import Judge, Submission
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import Problem
from judgebox.sandbox import Sandbox, SandboxConfig
from judgebox.settings import Settings, bundled_problems_dir
from judgebox.vocabulary.events import CompileEvent, CompleteEvent

CPP = (
    '#include <cstdio>\nint main(){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);}\n'
)
PY = "a, b = map(int, input().split())\nprint(a + b)\n"


def naive_loop(problem: Problem, argv: list[str], cwd: Path) -> float:
    """Seconds for running every case with subprocess.run and comparing tokens (no sandbox)."""
    started = time.perf_counter()
    for case in problem.cases:
        with open(case.input_path, "rb") as stdin:
            out = subprocess.run(argv, stdin=stdin, capture_output=True, cwd=cwd, check=False)
        assert out.stdout.split() == case.answer_path.read_bytes().split()
    return time.perf_counter() - started


async def judged(
    judge: Judge, problem: Problem, language: str, code: str
) -> tuple[float, float, str]:
    """(run seconds excluding compile, compile seconds, overall verdict)."""
    started = time.perf_counter()
    compile_done = started
    verdict = "?"
    async for event in judge.run(Submission(problem, language, code)):
        if isinstance(event, CompileEvent):
            compile_done = time.perf_counter()
        elif isinstance(event, CompleteEvent):
            verdict = str(event.summary.verdict)
    ended = time.perf_counter()
    return ended - compile_done, compile_done - started, verdict


async def main(repeat: int) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="judgebox-bench-", dir="/tmp"))
    tmp.chmod(0o711)
    sandbox = Sandbox.open(SandboxConfig(work_root=tmp / "work", uid_base=61400))
    library = ProblemLibrary(bundled_problems_dir(), cache_dir=tmp / "cache")
    aplusb = library.get("aplusb")
    n = len(aplusb.cases)
    figures: dict[str, object] = {"cases": n, "repeat": repeat}
    # naive floor: compile once on the host
    build = tmp / "naive"
    build.mkdir()
    (build / "main.cpp").write_text(CPP)
    (build / "main.py").write_text(PY)
    subprocess.run(
        ["g++", "-O2", "-static", "-o", str(build / "main"), str(build / "main.cpp")], check=True
    )
    rows = []
    for parallelism in (1, 2):
        settings = Settings(cache_dir=tmp / "cache", parallelism=parallelism)
        judge = Judge(settings, sandbox)
        for language, code, argv in (
            ("cpp", CPP, [str(build / "main")]),
            ("python3", PY, ["/usr/bin/python3", str(build / "main.py")]),
        ):
            ours, bare, compiles = [], [], []
            for _ in range(repeat):
                run_s, compile_s, verdict = await judged(judge, aplusb, language, code)
                assert verdict == "AC", verdict
                ours.append(run_s / n * 1000)
                compiles.append(compile_s * 1000)
                bare.append(naive_loop(aplusb, argv, build) / n * 1000)
            row = {
                "language": language,
                "parallelism": parallelism,
                "judgebox_ms_per_case": round(statistics.median(ours), 2),
                "naive_ms_per_case": round(statistics.median(bare), 2),
                "ratio": round(statistics.median(ours) / statistics.median(bare), 2),
                "compile_ms_median": round(statistics.median(compiles), 1),
                "judgebox_ms_per_case_spread": spread(ours),
                "naive_ms_per_case_spread": spread(bare),
            }
            rows.append(row)
            print(row)
    figures["aplusb"] = rows
    # TLE: one busy-looping case under a 1 s limit
    settings = Settings(cache_dir=tmp / "cache", parallelism=1)
    judge = Judge(settings, sandbox)
    one = dataclasses.replace(aplusb, cases=aplusb.cases[:1], time_limit=1.0)
    tle = []
    for _ in range(repeat):
        run_s, _, verdict = await judged(judge, one, "cpp", "int main(){for(;;);}\n")
        assert verdict == "TLE", verdict
        tle.append(run_s)
    figures["tle_reported_after_s"] = round(statistics.median(tle), 3)
    figures["tle_reported_after_s_spread"] = spread(tle)
    print("TLE after", figures["tle_reported_after_s"])
    sandbox.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return figures


def write_report(figures: dict[str, object], env: Environment) -> None:
    """bench/results/judge.json and judge.md."""
    lines = [
        "# Judging speed: judgebox vs a naive unsandboxed loop (same run)",
        "",
        f"{figures['cases']}-case a+b, medians of {figures['repeat']} runs. Per case = run time "
        "after compiling / cases.",
        "",
        "| language | parallel boxes | judgebox ms/case | naive ms/case | ratio | compile ms "
        "| judgebox spread | naive spread |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in figures["aplusb"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {row['language']} | {row['parallelism']} | {row['judgebox_ms_per_case']} | "
            f"{row['naive_ms_per_case']} | {row['ratio']} | {row['compile_ms_median']} "
            f"| {spread_cell(row['judgebox_ms_per_case_spread'], 2)} "
            f"| {spread_cell(row['naive_ms_per_case_spread'], 2)} |"
        )
    tle = figures["tle_reported_after_s_spread"]
    assert isinstance(tle, dict)
    lines += ["", f"TLE with a 1 s limit reported after {figures['tle_reported_after_s']} s "
              f"(compile excluded; spread {spread_cell(tle, 3)}).", "",
              "Spread: median (p95, min-max, n)."]  # fmt: skip
    write("judge", figures, "\n".join(lines), env)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    environment = capture()
    write_report(asyncio.run(main(parser.parse_args().repeat)), environment)
