"""The problem library: a folder of packages, loaded on demand and cached; example submissions.

    <problems dir>/
        aplusb/            a package (see problems.py for what it may hold)
        hypotenuse/
        ...

A folder whose name is not a problem name, or whose package is broken, is left
out of `list()` and reported in `broken` with the reason and the fix.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from judgebox.problems.package import Problem, load_problem
from judgebox.vocabulary.errors import ProblemPackageError, UnknownProblemError
from judgebox.vocabulary.verdicts import Verdict

_SUBMISSION_VERDICTS = {
    "accepted": Verdict.AC,
    # scoring problems only: accepted, with a score under the maximum
    "partially_accepted": Verdict.AC,
    "wrong_answer": Verdict.WA,
    "time_limit_exceeded": Verdict.TLE,
    "run_time_error": Verdict.RTE,
    "memory_limit_exceeded": Verdict.MLE,
    "output_limit_exceeded": Verdict.OLE,
    "compile_error": Verdict.CE,
}


def submissions(problem: Problem) -> list[tuple[Verdict, Path]]:
    """The package's example submissions with the verdict their folder promises."""
    found: list[tuple[Verdict, Path]] = []
    for folder, verdict in _SUBMISSION_VERDICTS.items():
        if folder == "partially_accepted" and not problem.scoring:
            continue
        directory = problem.path / "submissions" / folder
        if directory.is_dir():
            files = (f for f in directory.iterdir() if f.is_file() and not f.name.startswith("."))
            found.extend((verdict, file) for file in sorted(files))
    return found


def expected_outcomes(problem: Problem) -> list[tuple[frozenset[Verdict], str, Path]]:
    """Every solution with an expectation: the verdicts that fulfil it and its label.

    Polygon's tagged solutions where the package has them, else submissions/<verdict>/.
    """
    if problem.expectations:
        return [(e.verdicts, e.tag, e.path) for e in problem.expectations]
    return [(frozenset({verdict}), str(verdict), path) for verdict, path in submissions(problem)]


class ProblemLibrary:
    """The problems under a root folder, one package per subfolder, loaded on demand.

    `cache_dir` is the judge's cache folder (Settings.cache_dir), where DMOJ archives
    are extracted.
    """

    def __init__(self, root: Path, *, cache_dir: Path, recheck_seconds: float = 0.0) -> None:
        self.root = Path(root)
        self.cache_dir = cache_dir
        self.broken: dict[str, str] = {}
        # name -> (signature, problem, when the signature was last checked)
        self._cache: dict[str, tuple[tuple[int, ...], Problem, float]] = {}
        # A server answers many requests per second: within this window a cached package
        # is trusted without walking its folders again (a 1,000-case package costs a walk).
        self.recheck_seconds = recheck_seconds

    def list(self) -> list[Problem]:
        """Every loadable problem, by name; broken packages are left out and kept in `broken`."""
        problems: list[Problem] = []
        self.broken = {}
        folders = sorted(p for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else []
        for folder in folders:
            if folder.name.startswith(".") or folder.name.startswith("__"):
                continue
            if not _PROBLEM_NAME.fullmatch(folder.name):
                self.broken[folder.name] = (
                    f"{folder}: the folder's name is not a problem name; rename it with "
                    "letters, digits, '.', '_' and '-' only"
                )
                continue
            try:
                problems.append(self._load(folder))
            except ProblemPackageError as error:
                self.broken[folder.name] = error.message
        return problems

    def get(self, name: str) -> Problem:
        """The problem with this name; UnknownProblemError if there is none."""
        if not isinstance(name, str) or not _PROBLEM_NAME.fullmatch(name):
            raise UnknownProblemError(
                f"{name!r} is not a problem name: use a name from the problem list "
                "(letters, digits, '.', '_' and '-', no slashes)"
            )
        folder = self.root / name
        if not folder.is_dir():
            # Names only: loading every package to say which exist would cost a large
            # library seconds per mistyped name.
            names = self.names()
            known = ", ".join(names[:_NAMES_SHOWN]) or "none"
            if len(names) > _NAMES_SHOWN:
                known += f" and {len(names) - _NAMES_SHOWN} more (the problem list names them all)"
            raise UnknownProblemError(f"no problem named {name!r}; known problems: {known}")
        return self._load(folder)

    def names(self) -> tuple[str, ...]:
        """The names of the problem folders, sorted, without loading them (a broken one too)."""
        if not self.root.is_dir():
            return ()
        return tuple(
            sorted(
                p.name
                for p in self.root.iterdir()
                if p.is_dir() and _PROBLEM_NAME.fullmatch(p.name) and not p.name.startswith("__")
            )
        )

    def _load(self, folder: Path) -> Problem:
        cached = self._cache.get(folder.name)
        now = time.monotonic()
        if cached is not None and now - cached[2] < self.recheck_seconds:
            return cached[1]
        signature = _signature(folder)
        if cached is not None and cached[0] == signature:
            self._cache[folder.name] = (signature, cached[1], now)
            return cached[1]
        problem = load_problem(folder, self.cache_dir)
        self._cache[folder.name] = (signature, problem, now)
        return problem


_PROBLEM_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_NAMES_SHOWN = 20  # in an unknown-problem error


_CONFIG_FILES = frozenset(
    {"problem.yaml", ".timelimit", "testdata.yaml", "test_group.yaml", "domjudge-problem.ini"}
)
# per-case files the loader reads (a new .in or .ans changes its folder's mtime instead)
_CASE_SUFFIXES = (".yaml", ".args", ".hint", ".desc", ".statement", ".interaction", ".out")


def _in_validator(folder: Path, directory: str) -> bool:
    """Whether a directory holds the output validator (its files are read at load time)."""
    relative = Path(directory).relative_to(folder).parts
    return bool(relative) and relative[0] in ("output_validator", "output_validators")


def _signature(folder: Path) -> tuple[int, ...]:
    """Modification times that change when cases, limits or the statement change."""
    times: list[int] = []
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if d != "submissions")
        times.append(os.stat(directory).st_mtime_ns)
        times.extend(
            os.stat(os.path.join(directory, f)).st_mtime_ns
            for f in sorted(files)
            if f in _CONFIG_FILES
            or f.startswith("problem.")
            or f.endswith(_CASE_SUFFIXES)
            or _in_validator(folder, directory)
        )
    return tuple(times)
