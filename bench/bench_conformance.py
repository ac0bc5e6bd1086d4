"""Conformance: `judgebox verify` on the example packages of a pinned problemtools sdist.

    .venv/bin/python bench/bench_conformance.py [--version 1.20260907] [--repeat 1]

problemtools (Kattis' reference package checker) ships complete example problems in
its source distribution (`examples/`: different, guess, hello, oddecho). This downloads
the pinned sdist from PyPI at run time into a temporary folder (`pip download
--no-binary :all: --no-deps`), and runs `judgebox verify --json` (this checkout's
sources, a fresh cache so time limits are inferred anew) on each example, `--repeat`
times. Nothing of theirs is kept: the folder is removed at the end.

Per package: the submissions judged, how many met their expectation (the folder's
default rule, submissions.yaml, @EXPECTED_RESULTS@) in every repetition, and for each
that did not, what verify said. docs/conformance.md says why each differs.
Writes bench/results/conformance.json and bench/results/conformance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from benchcore import capture, write

REPO = Path(__file__).resolve().parents[1]
PINNED = "1.20260907"
# What each example exercises (read from the packages themselves).
EXERCISES = {
    "different": "legacy, custom C++ validator (validate.cc + validate.h), .ctd and Python "
    "input validators, 17 languages, a folder submission (Prolog)",
    "guess": "2023-07-draft interactive, validator folder inside output_validator/, "
    "who-ended-first verdicts",
    "hello": "2023-07-draft, no input, statements in two languages, an MLE in run_time_error/",
    "oddecho": "2023-07-draft scoring with legacy grading (range, accept_score, grader_flags "
    "accept_if_any_accepted / ignore_sample / min), input_validator_flags per group",
}


def download(version: str, into: Path) -> Path:
    """The sdist's examples/ folder, extracted under `into`."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
         "--no-deps", "--dest", str(into), f"problemtools=={version}"],
        check=True,
    )  # fmt: skip
    (archive,) = into.glob("problemtools-*.tar.gz")
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if "/examples/" in m.name]
        tar.extractall(into, members=members, filter="data")
    (examples,) = into.glob("problemtools-*/examples")
    return examples


def verify(package: Path, env: dict[str, str]) -> dict[str, Any]:
    """`judgebox verify --json` on one package: its report (or why there is none)."""
    done = subprocess.run(
        [sys.executable, "-m", "judgebox.cli", "verify", "--json", str(package)],
        env=env, capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"ok": False, "error": (done.stderr or done.stdout).strip()[-400:]}
    return report


def _mismatch(row: dict[str, Any]) -> dict[str, Any]:
    why = "; ".join(row.get("failures", [])) or row.get("error", "")
    return {"got": row["got"], "expected": row.get("expected"), "why": why}


def readable(root: Path) -> None:
    """The boxes' uids must read the package and reach the cache."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=PINNED, help="problemtools version (sdist)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    env_info = capture()
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-conformance-", dir="/tmp"))
    root.chmod(0o711)
    figures: dict[str, Any] = {"problemtools": args.version, "repeat": args.repeat,
                               "packages": {}}  # fmt: skip
    try:
        examples = download(args.version, root / "sdist")
        readable(examples)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
            "JUDGEBOX_WORK_ROOT": str(root / "work"),
            "JUDGEBOX_CACHE_DIR": str(root / "cache"),
        }
        for package in sorted(p for p in examples.iterdir() if (p / "problem.yaml").is_file()):
            rows: dict[str, list[dict[str, Any]]] = {}
            reports = []
            for _ in range(args.repeat):
                report = verify(package, env)
                reports.append(report)
                for row in report.get("submissions", []):
                    rows.setdefault(row["submission"], []).append(row)
            mismatches = {
                name: [_mismatch(r) for r in runs if not r["ok"]]
                for name, runs in rows.items()
                if not all(r["ok"] for r in runs)
            }
            figures["packages"][package.name] = {
                "submissions": len(rows),
                "matched": len(rows) - len(mismatches),
                "mismatches": mismatches,
                "timeLimit": reports[-1].get("timeLimit"),
                "inputValidationOk": all(
                    r.get("inputValidation", {}).get("ok", False) for r in reports
                ),
                "error": next((r["error"] for r in reports if "error" in r), None),
            }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    lines = [
        f"# Conformance: `judgebox verify` on problemtools {args.version}'s examples",
        "",
        f"Each example of the pinned sdist, verified {args.repeat} time(s); a submission "
        "counts as matched when it met its expectation every time. Why each mismatch "
        "differs: docs/conformance.md.",
        "",
        "| package | exercises | submissions | matched | input validation | time limit |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, data in figures["packages"].items():
        lines.append(
            f"| {name} | {EXERCISES.get(name, '')} | {data['submissions']} | "
            f"{data['matched']} | {'valid' if data['inputValidationOk'] else 'FAILED'} | "
            f"{data['timeLimit'] or data['error'] or ''} |"
        )
    lines += ["", "Mismatches:", ""]
    for name, data in figures["packages"].items():
        for submission, runs in data["mismatches"].items():
            seen = ", ".join(f"{r['got']} ({r['why']})" for r in runs)
            lines.append(f"- {name}: `{submission}`: {len(runs)} of {args.repeat}: {seen}")
    if not any(d["mismatches"] for d in figures["packages"].values()):
        lines.append("- none")
    write("conformance", figures, "\n".join(lines), env_info)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
