"""Getting a 1,000-case package from the problem library: cold load against the cache.

    .venv/bin/python bench/bench_packages.py [--cases 1000] [--repeat 30]

A Kattis 2025-09 package is written to a temporary library folder twice: `flat` (1,000
cases in data/secret) and `groups` (a scoring problem, 10 groups of 100 with a
test_group.yaml each). Per package, `ProblemLibrary.get(name)` (problems/library.py) is
timed as a request meets it:
- cold: a fresh library each time (problem.yaml, test groups, every case found and
  read: `load_problem`), as the first request after a start or after the package changed;
- cached, signature checked: the same library (`recheck_seconds=0`, the CLI's and
  worker's setting): a walk of the package's folders comparing modification times;
- cached, within the recheck window: the server's setting (`recheck_seconds=1.0`): the
  cached problem is returned without a walk.
The OS file cache is warm for all three (the package was just written and read once), so
"cold" is judgebox's own parsing and walking, not the disk. The machine is shared:
medians and p95 over `--repeat` requests are reported.
Writes bench/results/packages.json and bench/results/packages.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchcore import capture, spread, spread_cell, write

from judgebox.problems.library import ProblemLibrary

MODES = ("cold", "cached, signature checked", "cached, within recheck window")


def write_package(folder: Path, cases: int, groups: int) -> None:
    """A 2025-09 package of `cases` a+b cases, in `groups` scoring groups (0: flat)."""
    (folder / "statement").mkdir(parents=True)
    (folder / "statement" / "problem.en.md").write_text("Print a + b.\n")
    kind = "scoring" if groups else "pass-fail"
    (folder / "problem.yaml").write_text(
        "problem_format_version: 2025-09\n"
        f"type: {kind}\nname: A plus B\nuuid: 00000000-0000-4000-8000-0000000b0001\n"
        "limits:\n  time_limit: 1\n"
    )
    secret = folder / "data" / "secret"
    secret.mkdir(parents=True)
    per_group = cases // groups if groups else cases
    for i in range(cases):
        where = secret
        if groups:
            where = secret / f"group{i // per_group + 1:02d}"
            if not where.exists():
                where.mkdir()
                (where / "test_group.yaml").write_text(
                    f"max_score: {100 // groups}\nscore_aggregation: sum\n"
                )
        (where / f"{i:04d}.in").write_text(f"{i} {i + 1}\n")
        (where / f"{i:04d}.ans").write_text(f"{2 * i + 1}\n")
    if groups:
        (secret / "test_group.yaml").write_text(f"max_score: {100 // groups * groups}\n")


def timed(get: Callable[[], Any], repeat: int, expect: int) -> list[float]:
    """Seconds per call of `get`, `repeat` times; each result must hold `expect` cases."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        problem = get()
        samples.append(time.perf_counter() - start)
        assert len(problem.cases) == expect, len(problem.cases)
    return samples


def measure(root: Path, name: str, cases: int, repeat: int) -> dict[str, dict[str, float]]:
    cache = root / ".cache"  # where a DMOJ archive would go; these packages have none
    checked = ProblemLibrary(root, cache_dir=cache, recheck_seconds=0.0)
    window = ProblemLibrary(root, cache_dir=cache, recheck_seconds=1.0)
    checked.get(name)  # fill the caches (and the OS file cache)
    window.get(name)
    samples = {
        MODES[0]: timed(lambda: ProblemLibrary(root, cache_dir=cache).get(name), repeat, cases),
        MODES[1]: timed(lambda: checked.get(name), repeat, cases),
    }
    # Inside the window only: refill just before, then `repeat` quick calls.
    window._cache.clear()  # a benchmark may reset the cache it measures
    window.get(name)
    samples[MODES[2]] = timed(lambda: window.get(name), repeat, cases)
    return {mode: spread(values, scale=1000) for mode, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    env = capture()
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-packages-"))
    figures: dict[str, Any] = {"cases": args.cases, "repeat": args.repeat, "packages": {}}
    try:
        for name, groups in (("flat", 0), ("groups", 10)):
            write_package(root / name, args.cases, groups)
            ms = measure(root, name, args.cases, args.repeat)
            figures["packages"][name] = {"groups": groups, "ms": ms}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    lines = [
        f"# Packages: getting a {args.cases:,}-case package from the library",
        "",
        f"`ProblemLibrary.get` on a Kattis 2025-09 package of {args.cases} cases, ms per "
        f"request: median (p95, min-max, n). `flat`: all cases in data/secret; `groups`: a "
        "scoring problem with 10 groups (test_group.yaml each). Warm OS file cache.",
        "",
        "| package | " + " | ".join(MODES) + " |",
        "| --- | " + " | ".join("---" for _ in MODES) + " |",
    ]
    for name, data in figures["packages"].items():
        cells = " | ".join(spread_cell(data["ms"][mode], digits=3) for mode in MODES)
        lines.append(f"| {name} | {cells} |")
    lines += [
        "",
        "cold = `load_problem` (every case found, every test_group.yaml read); signature "
        "checked = the CLI's and workers' cache (a walk of modification times per request); "
        "within recheck window = the server's cache (`recheck_seconds=1.0`, no walk).",
    ]
    write("packages", figures, "\n".join(lines), env)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
