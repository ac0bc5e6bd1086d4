"""The same a+b cases laid out for each judge under comparison.

Source: the 50 secret cases of the bundled `problems/aplusb` package.

    ROOT/judgebox/aplusb50/              Kattis legacy package (also read by naive_judge.py)
        problem.yaml                     limits: time_limit 1 (s), memory 256 (MiB)
        data/secret/01.in, 01.ans …
    ROOT/judgebox/aplusb1/               its first case only
    ROOT/dmoj/aplusb50/                  DMOJ problem: 1.in, 1.out …, init.yml (points: 1)
    ROOT/dmoj/aplusb50sc/                the same with points: 0 (DMOJ stops after a failed
                                         0-point case: its stop-on-first-failure)
    ROOT/dmoj/aplusb1/                   the first case only
    ROOT/dmoj/judge.yml                  runtimes given by hand (autoconf finds the pyenv shim)
"""

from __future__ import annotations

import shutil
from pathlib import Path

APLUSB = Path(__file__).resolve().parents[2] / "problems" / "aplusb" / "data" / "secret"
PROBLEM_YAML = "name: A Plus B (bench)\nlimits:\n  time_limit: 1\n  memory: 256\n"
DMOJ_CONFIG = """problem_storage_globs:
  - {root}/*
runtime:
  python3: /usr/bin/python3.11
  gcc: /usr/bin/gcc
  g++: /usr/bin/g++
  g++17: /usr/bin/g++
"""


def aplusb_cases(count: int = 50) -> list[tuple[Path, Path]]:
    """The first `count` secret (input, answer) pairs of the bundled a+b, in name order."""
    inputs = sorted(APLUSB.glob("*.in"))[:count]
    return [(i, i.with_suffix(".ans")) for i in inputs]


def judgebox_package(root: Path, name: str, count: int) -> Path:
    """A Kattis legacy package with `count` cases, a 1 s time limit and 256 MiB."""
    package = root / "judgebox" / name
    secret = package / "data" / "secret"
    secret.mkdir(parents=True)
    (package / "problem.yaml").write_text(PROBLEM_YAML)
    for n, (stdin, answer) in enumerate(aplusb_cases(count), start=1):
        shutil.copyfile(stdin, secret / f"{n:02d}.in")
        shutil.copyfile(answer, secret / f"{n:02d}.ans")
    return package


def dmoj_problem(root: Path, name: str, count: int, *, points: int) -> Path:
    """A DMOJ problem folder with `count` cases of `points` each."""
    folder = root / "dmoj" / name
    folder.mkdir(parents=True)
    lines = ["test_cases:"]
    for n, (stdin, answer) in enumerate(aplusb_cases(count), start=1):
        shutil.copyfile(stdin, folder / f"{n}.in")
        shutil.copyfile(answer, folder / f"{n}.out")
        lines.append(f"  - {{in: {n}.in, out: {n}.out, points: {points}}}")
    (folder / "init.yml").write_text("\n".join(lines) + "\n")
    return folder


def lay_out(root: Path) -> Path:
    """Write every folder above under `root`; returns DMOJ's judge.yml."""
    judgebox_package(root, "aplusb50", 50)
    judgebox_package(root, "aplusb1", 1)
    dmoj_problem(root, "aplusb50", 50, points=1)
    dmoj_problem(root, "aplusb50sc", 50, points=0)
    dmoj_problem(root, "aplusb1", 1, points=1)
    config = root / "dmoj" / "judge.yml"
    config.write_text(DMOJ_CONFIG.format(root=root / "dmoj"))
    return config
