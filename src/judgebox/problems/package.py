"""Loading a problem from disk: the dispatcher over the format loaders.

    load_problem(path)       a Kattis package (problem.yaml or data/) -> kattis.py
                             a Polygon package (problem.xml)          -> polygon.py
                             a DMOJ problem folder (init.yml)         -> dmoj.py
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
    CheckerSource,
    Expectation,
    Problem,
    ScoreAggregation,
    StatementFormat,
    TestCase,
    TestGroup,
    Validation,
)
from judgebox.vocabulary.errors import ProblemPackageError

__all__ = [
    "CheckerSource",
    "Expectation",
    "Problem",
    "ScoreAggregation",
    "StatementFormat",
    "TestCase",
    "TestGroup",
    "Validation",
    "inline_problem",
    "load_problem",
]


def load_problem(path: Path, cache_dir: Path | None = None) -> Problem:
    """Load a Kattis/ICPC package, a Polygon package, a DMOJ folder or `.in`/`.ans` pairs.

    `cache_dir` is the judge's cache folder (Settings.cache_dir): a DMOJ problem's
    `archive:` is extracted under its archives/; without it such a problem is refused.
    """
    path = Path(path)
    if not path.is_dir():
        raise ProblemPackageError(f"{path}: not a folder; give the problem package's folder")
    if (path / "problem.yaml").is_file() or (path / "data").is_dir():
        return load_kattis(path)
    # Polygon's and DMOJ's loaders (XML, archives) are imported only for their packages.
    if (path / "problem.xml").is_file():
        from judgebox.problems.polygon import load_polygon

        return load_polygon(path)
    if (path / "init.yml").is_file():
        from judgebox.problems.dmoj import load_dmoj

        return load_dmoj(path, cache_dir)
    return load_plain_folder(path)
