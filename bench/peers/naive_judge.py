"""The naive baseline: compile on the host, run every case with subprocess.run, no sandbox at all.

    /usr/bin/python3 bench/peers/naive_judge.py PROBLEM_DIR SOURCE [--stop-on-first-failure]
        [--time-limit SECONDS]

PROBLEM_DIR holds `NAME.in` + `NAME.ans` pairs (or a Kattis package's
`data/secret/`); SOURCE is a `.cpp` or `.py` file. The C++ flags are
judgebox's (languages.toml), so the binaries are the same. Output is compared
token by token. Prints one JSON line: the overall verdict, the verdict of each
case and the seconds spent compiling and running, and exits 0 on AC, 1 otherwise.
Standard library only, so it starts as fast as a Python script can.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CPP_FLAGS = ["-O2", "-std=gnu++20", "-static", "-pipe"]


def cases(problem: Path) -> list[tuple[Path, Path]]:
    """The (input, answer) pairs in natural name order."""
    folder = problem / "data" / "secret" if (problem / "data" / "secret").is_dir() else problem
    inputs = sorted(folder.glob("*.in"), key=lambda p: (len(p.stem), p.stem))
    return [(i, i.with_suffix(".ans")) for i in inputs]


def build(source: Path, build_dir: Path) -> list[str]:
    """The argv that runs the program (compiling C++ first)."""
    if source.suffix == ".py":
        return ["/usr/bin/python3", str(source)]
    binary = build_dir / "main"
    subprocess.run(["/usr/bin/g++", *CPP_FLAGS, "-o", str(binary), str(source)], check=True)
    return [str(binary)]


def judge_case(argv: list[str], stdin: Path, answer: Path, time_limit: float) -> str:
    """One case's verdict: AC, WA, TLE or RTE."""
    with stdin.open("rb") as feed:
        try:
            out = subprocess.run(argv, stdin=feed, capture_output=True, timeout=time_limit)
        except subprocess.TimeoutExpired:
            return "TLE"
    if out.returncode != 0:
        return "RTE"
    return "AC" if out.stdout.split() == answer.read_bytes().split() else "WA"


def main() -> int:
    """Judge SOURCE against PROBLEM_DIR; print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("problem", type=Path)
    parser.add_argument("source", type=Path)
    parser.add_argument("--stop-on-first-failure", action="store_true")
    parser.add_argument("--time-limit", type=float, default=1.0)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="naive-judge-") as tmp:
        argv = build(args.source.resolve(), Path(tmp))
        compiled = time.perf_counter()
        verdicts: list[str] = []
        for stdin, answer in cases(args.problem):
            if verdicts and args.stop_on_first_failure and verdicts[-1] != "AC":
                verdicts.append("SKIPPED")
                continue
            verdicts.append(judge_case(argv, stdin, answer, args.time_limit))
    ended = time.perf_counter()
    overall = next((v for v in verdicts if v not in ("AC", "SKIPPED")), "AC")
    print(json.dumps({
        "verdict": overall, "cases": verdicts,
        "compileSeconds": compiled - started, "runSeconds": ended - compiled,
    }))  # fmt: skip
    return 0 if overall == "AC" else 1


if __name__ == "__main__":
    sys.exit(main())
