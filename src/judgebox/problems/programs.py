"""A problem's own programs and promises: a checker's source with its headers, and a
reference solution with the verdicts its author expects (Polygon's solution tags)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from judgebox.vocabulary.verdicts import Verdict


@dataclass(frozen=True, slots=True)
class ProgramSource:
    """A checker's or interactor's main source and the headers compiled with it (testlib.h)."""

    main: Path
    headers: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True)
class Expectation:
    """A solution of the package and the overall verdicts that fulfil its tag."""

    path: Path
    verdicts: frozenset[Verdict]
    tag: str
