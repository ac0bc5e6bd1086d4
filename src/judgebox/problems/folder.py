"""A plain folder of `NAME.in` + `NAME.ans` (or `NAME.out`) pairs as a problem.

Names starting with "sample" are samples, the others secret; samples first,
then natural order (2 before 10). `.timelimit` is honoured.
"""

from __future__ import annotations

import re
from pathlib import Path

from judgebox.problems.common import read_timelimit
from judgebox.problems.model import Problem, TestCase
from judgebox.vocabulary.errors import ProblemPackageError


def load_plain_folder(path: Path) -> Problem:
    inputs = sorted((f for f in path.glob("*.in") if f.is_file()), key=_plain_order)
    if not inputs:
        raise ProblemPackageError(
            f"{path}: no test cases; a problem is a Kattis package (problem.yaml, data/sample, "
            "data/secret) or a folder of NAME.in + NAME.ans pairs"
        )
    cases = []
    for index, file in enumerate(inputs, start=1):
        answer = next(
            (a for a in (file.with_suffix(".ans"), file.with_suffix(".out")) if a.is_file()), None
        )
        if answer is None:
            raise ProblemPackageError(f"{file}: has no answer file; add {file.stem}.ans beside it")
        cases.append(TestCase(index, file.stem, file, answer, file.stem.startswith("sample")))
    limit = read_timelimit(path)
    return Problem(
        name=path.name,
        title=path.name,
        path=path,
        cases=tuple(cases),
        time_limit=limit,
        time_limit_source=".timelimit" if limit is not None else "",
        format_version="plain",
    )


def _plain_order(file: Path) -> tuple[bool, list[tuple[int, int, str]]]:
    """Samples first, then natural order: digit runs compare as numbers, before letters."""
    parts = re.split(r"(\d+)", file.stem)
    key = [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p]
    return (not file.stem.startswith("sample"), key)
