"""Loading a problem from disk: the dispatcher over the format loaders.

    load_problem(path)       a Kattis package (problem.yaml or data/) -> kattis.py
                             a plain folder of NAME.in + NAME.ans     -> folder.py
    inline_problem(cases)    cases sent in a request                  -> inline.py

The model they all fill in is model.py; this module re-exports it so callers
import one place.
"""

from __future__ import annotations

from pathlib import Path

from judgebox.problems.folder import load_plain_folder
from judgebox.problems.inline import inline_problem
from judgebox.problems.kattis import load_kattis
from judgebox.problems.model import (
    Problem,
    ScoreAggregation,
    StatementFormat,
    TestCase,
    TestGroup,
    Validation,
)
from judgebox.vocabulary.errors import ProblemPackageError

__all__ = [
    "Problem",
    "ScoreAggregation",
    "StatementFormat",
    "TestCase",
    "TestGroup",
    "Validation",
    "inline_problem",
    "load_problem",
]


def load_problem(path: Path) -> Problem:
    """Load a Kattis/ICPC package or a plain folder of `.in`/`.ans` pairs."""
    path = Path(path)
    if not path.is_dir():
        raise ProblemPackageError(f"{path}: not a folder; give the problem package's folder")
    if (path / "problem.yaml").is_file() or (path / "data").is_dir():
        return load_kattis(path)
    return load_plain_folder(path)
