"""Run every benchmark in bench/ and write bench/RESULTS.md from what they wrote.

    .venv/bin/python bench/run_all.py [--only dmoj,throughput] [--timeout 1800]
    .venv/bin/python bench/run_all.py --report-only     # rewrite RESULTS.md, run nothing

Runs each `bench/bench_*.py` that exists (in name order, or only those named,
each in its own process with this interpreter and default arguments),
installing DMOJ's judge first when bench_dmoj.py needs it
(bench/peers/setup_dmoj.sh). Each benchmark writes bench/results/<name>.md and
.json (benchcore.results), with when, where, from which commit and under what
load it ran. RESULTS.md is then merged from every bench/results/*.md, so
`--only x` replaces x's figures and keeps every other benchmark's latest ones.
A benchmark that fails is reported with the tail of its output (its older
figures, if any, stay), and the others still run; the exit status is 1 if any
failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchcore.results import RESULTS, merge

BENCH = Path(__file__).resolve().parent
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


def describe(outcome: Outcome) -> str:
    """`ok in 93 s`, `FAILED (exit 1) in 4 s`, `TIMED OUT after 1800 s`."""
    if outcome.status is None:
        return f"TIMED OUT after {outcome.seconds:.0f} s"
    state = "ok" if outcome.status == 0 else f"FAILED (exit {outcome.status})"
    return f"{state} in {outcome.seconds:.0f} s"


def tail(outcome: Outcome) -> list[str]:
    """For a failed run: the last lines of its output, and that its figures (if any) are older."""
    if outcome.status == 0:
        return []
    log = outcome.log.read_text(errors="replace") if outcome.log.exists() else ""
    lines = log.splitlines()[-25:]
    return [
        f"**The last run {describe(outcome)}**; the figures below (if any) are from an earlier "
        "run. Last lines of its output:",
        "",
        "```",
        *lines,
        "```",
        "",
    ]


def known_outcomes() -> dict[str, Outcome]:
    """How each benchmark ended the last time run_all.py ran it (those it ever ran)."""
    found = {}
    for record in sorted(LOGS.glob("*.outcome.json")):
        name = record.name.removesuffix(".outcome.json")
        saved = json.loads(record.read_text())
        found[name] = Outcome(name, saved["status"], saved["seconds"], LOGS / f"{name}.log")
    return found


def main() -> int:
    """Run, then write RESULTS.md; 1 if any benchmark failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="comma-separated names, e.g. dmoj,throughput")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark")
    parser.add_argument("--report-only", action="store_true", help="rewrite RESULTS.md only")
    args = parser.parse_args()
    only = {n.strip().removeprefix("bench_") for n in args.only.split(",")} if args.only else None
    scripts = benchmarks(only)
    outcomes = [] if args.report_only else [run(script, args.timeout) for script in scripts]
    known = known_outcomes()
    REPORT.write_text(
        merge(
            RESULTS,
            status={name: describe(o) for name, o in known.items()},
            notes={name: tail(o) for name, o in known.items()},
        )
    )
    print(f"wrote {REPORT}")
    return 0 if all(o.status == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
