"""Run every benchmark in bench/ and write bench/RESULTS.md from what they wrote.

    .venv/bin/python bench/run_all.py [--only dmoj,throughput] [--timeout 1800]
    .venv/bin/python bench/run_all.py --report-only     # rewrite RESULTS.md, run nothing

Runs each `bench/bench_*.py` that exists (in name order, each in its own
process with this interpreter and default arguments), installing DMOJ's judge
first when bench_dmoj.py needs it (bench/peers/setup_dmoj.sh). Each benchmark
writes bench/results/<name>.md (and .json); RESULTS.md puts those together
under one header: when, on what, from which commit, and how each benchmark
ended. A benchmark that fails is reported with the tail of its output, and the
others still run; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
LOGS = RESULTS / "logs"
REPORT = BENCH / "RESULTS.md"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one benchmark ended."""

    name: str  # "dmoj" for bench_dmoj.py
    status: int | None  # exit status; None when it ran out of time
    seconds: float
    log: Path


def benchmarks(only: set[str] | None) -> list[Path]:
    """bench/bench_*.py, in name order, optionally only those named (without `bench_`)."""
    found = sorted(BENCH.glob("bench_*.py"))
    if only is not None:
        unknown = only - {p.stem.removeprefix("bench_") for p in found}
        if unknown:
            names = ", ".join(sorted(p.stem.removeprefix("bench_") for p in found))
            sys.exit(f"no benchmark named {', '.join(sorted(unknown))}; there are: {names}")
        found = [p for p in found if p.stem.removeprefix("bench_") in only]
    return found


def prepare(script: Path) -> None:
    """Install what a benchmark needs from outside the project's venv."""
    if script.name == "bench_dmoj.py" and not (BENCH / ".venv-dmoj" / "bin" / "dmoj-cli").exists():
        subprocess.run(["bash", str(BENCH / "peers" / "setup_dmoj.sh")], check=True)


def run(script: Path, timeout: float) -> Outcome:
    """Run one benchmark, its output into bench/results/logs/<name>.log."""
    name = script.stem.removeprefix("bench_")
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    started = time.perf_counter()
    print(f"== {script.name}", flush=True)
    with log.open("wb") as sink:
        try:
            prepare(script)
            argv = [sys.executable, str(script)]
            done = subprocess.run(
                argv, stdout=sink, stderr=subprocess.STDOUT, cwd=BENCH.parent, timeout=timeout
            )
            status: int | None = done.returncode
        except subprocess.TimeoutExpired:
            status = None
        except subprocess.CalledProcessError as exc:
            status = exc.returncode
    outcome = Outcome(name, status, time.perf_counter() - started, log)
    (LOGS / f"{name}.outcome.json").write_text(
        json.dumps({"status": status, "seconds": outcome.seconds})
    )
    print(f"   {describe(outcome)}", flush=True)
    return outcome


def last_outcome(script: Path) -> Outcome:
    """How the benchmark ended the last time run_all.py ran it."""
    name = script.stem.removeprefix("bench_")
    record = LOGS / f"{name}.outcome.json"
    if not record.exists():
        sys.exit(f"{script.name} was never run by run_all.py: run it without --report-only")
    saved = json.loads(record.read_text())
    return Outcome(name, saved["status"], saved["seconds"], LOGS / f"{name}.log")


def describe(outcome: Outcome) -> str:
    """`ok in 93 s`, `FAILED (exit 1) in 4 s`, `TIMED OUT after 1800 s`."""
    if outcome.status is None:
        return f"TIMED OUT after {outcome.seconds:.0f} s"
    state = "ok" if outcome.status == 0 else f"FAILED (exit {outcome.status})"
    return f"{state} in {outcome.seconds:.0f} s"


def section(outcome: Outcome) -> list[str]:
    """The benchmark's own report, its headings one level down; or why there is none."""
    md, js = RESULTS / f"{outcome.name}.md", RESULTS / f"{outcome.name}.json"
    lines = [f"## bench_{outcome.name}.py: {describe(outcome)}", ""]
    if outcome.status != 0:
        tail = outcome.log.read_text(errors="replace").splitlines()[-25:]
        lines += ["Last lines of its output:", "", "```", *tail, "```", ""]
    if md.exists():
        for line in md.read_text().splitlines():
            lines.append("##" + line if line.startswith("#") else line)
    elif js.exists():
        lines += ["```json", json.dumps(json.loads(js.read_text()), indent=2), "```"]
    else:
        lines.append("(it wrote no bench/results/ file)")
    if outcome.status != 0 and (md.exists() or js.exists()):
        lines += ["", "(the figures above are from an earlier run: this one failed)"]
    return [*lines, ""]


def this_run() -> dict[str, str]:
    """When and from which commit the benchmarks run now."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=BENCH, check=False).stdout.strip() or "?"  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], capture_output=True,
                           text=True, cwd=BENCH, check=False).stdout.strip()  # fmt: skip
    return {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (with uncommitted changes under src/)" if dirty else ""),
    }


def header(outcomes: list[Outcome], run_info: dict[str, str]) -> list[str]:
    """When, where, which commit."""
    return [
        "# judgebox benchmarks",
        "",
        "Written by `.venv/bin/python bench/run_all.py`; every figure below comes from the "
        "run listed here (each benchmark compares against a baseline measured in the same run).",
        "",
        f"- when: {run_info['when']}",
        f"- host: {platform.node()}, {os.cpu_count()} CPUs, Linux {platform.release()}, "
        f"Python {platform.python_version()}",
        f"- commit: {run_info['commit']}",
        "- benchmarks: " + ", ".join(f"{o.name} {describe(o)}" for o in outcomes),
        "",
    ]


def main() -> int:
    """Run, then write RESULTS.md; 1 if any benchmark failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="comma-separated names, e.g. dmoj,throughput")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark")
    parser.add_argument("--report-only", action="store_true", help="rewrite RESULTS.md only")
    args = parser.parse_args()
    only = {n.strip().removeprefix("bench_") for n in args.only.split(",")} if args.only else None
    scripts = benchmarks(only)
    run_record = LOGS / "run.json"
    if args.report_only:
        outcomes = [last_outcome(script) for script in scripts]
        run_info = json.loads(run_record.read_text()) if run_record.exists() else this_run()
    else:
        run_info = this_run()
        outcomes = [run(script, args.timeout) for script in scripts]
        run_record.write_text(json.dumps(run_info))
    lines = header(outcomes, run_info)
    for outcome in outcomes:
        lines += section(outcome)
    REPORT.write_text("\n".join(lines))
    print(f"wrote {REPORT}")
    return 0 if all(o.status == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
