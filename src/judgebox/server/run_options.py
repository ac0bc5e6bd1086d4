"""A run request's options applied to its problem: `limits`, `validatorFlags`, custom input.

- `limits` (`time`, `memory`, `output`): each at most the server's cap
  (`max_time_limit`, `max_memory_limit`, `max_output_limit`; above it: 422
  `limit-above-cap` naming the cap). Against a named problem a limit only lowers
  the problem's own (the smaller wins); for inline cases it replaces the server's
  default.
- `validatorFlags`: the default checker's flags for inline cases (Kattis
  `validator_flags` syntax); a named problem keeps its own.
- `cases` with a named problem and no `answer`s: custom input judged by the
  package's reference solution (problems/custom.py, judging/custom.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from judgebox.problems.custom import custom_problem
from judgebox.problems.inline import inline_problem
from judgebox.problems.model import Problem
from judgebox.settings import Settings
from judgebox.vocabulary.checker_flags import parse_validator_flags
from judgebox.vocabulary.errors import LimitAboveCapError, ProblemPackageError, UsageError
from judgebox.vocabulary.limits import parse_duration, parse_size

_MIB = 1024 * 1024
LimitValue = int | float | str


def cases_problem(
    cases: Sequence[Mapping[str, str]], base: Problem | None, directory: Path
) -> Problem:
    """The problem a request's `cases` make: custom input against `base`, else inline.

    Cases that all carry an `answer` are an inline dataset even with a named problem
    (as before custom input existed: the name is then ignored).
    """
    if base is not None and any(case.get("answer") is None for case in cases):
        return custom_problem(base, cases, directory)
    return inline_problem(cases, directory)


def apply_options(
    problem: Problem,
    *,
    limits: Mapping[str, LimitValue | None] | None,
    validator_flags: str | Sequence[str] | None,
    inline: bool,
    settings: Settings,
) -> Problem:
    """`problem` with the request's limits and checker flags (UsageError, LimitAboveCapError)."""
    changes: dict[str, object] = {}
    if limits:
        base = settings.default_limits
        own = {
            "time": problem.time_limit or base.cpu_time,
            "memory": problem.memory_limit or base.memory,
            "output": problem.output_limit or base.output,
        }
        for key, field in (("time", "time_limit"), ("memory", "memory_limit"),
                           ("output", "output_limit")):  # fmt: skip
            value = limits.get(key)
            if value is None:
                continue
            wanted = _limit(key, value, settings)
            changes[field] = wanted if inline else min(wanted, own[key])
    if validator_flags is not None:
        if not inline:
            raise UsageError(
                "validatorFlags is for inline cases; a named problem is checked with its own "
                "flags (leave validatorFlags out, or send cases with answers and no problem)"
            )
        words = validator_flags.split() if isinstance(validator_flags, str) else validator_flags
        try:
            flags = parse_validator_flags(list(words))
        except ProblemPackageError as error:
            raise UsageError(f"validatorFlags: {error.message}") from None
        changes["validator_flags"] = tuple(words)
        changes["checker_flags"] = flags
    return dataclasses.replace(problem, **changes) if changes else problem  # type: ignore[arg-type]


def _limit(key: str, value: LimitValue, settings: Settings) -> float | int:
    if isinstance(value, bool):
        raise UsageError(f"limits.{key} must be a number or a text like 2s / 256m, not {value}")
    try:
        if key == "time":
            number: float | int = parse_duration(value)
        else:
            number = parse_size(int(value) if isinstance(value, float) else value)
    except ValueError as error:
        raise UsageError(f"limits.{key}: {error}") from None
    if not number > 0:
        raise UsageError(f"limits.{key} must be positive, not {value!r}")
    if key == "time":
        cap: float | int = settings.max_time_limit
        if number > cap:
            raise LimitAboveCapError(
                f"limits.time {number:g} s is above the server's cap max_time_limit = {cap:g} s; "
                "ask for at most that"
            )
        return float(number)
    cap = settings.max_memory_limit if key == "memory" else settings.max_output_limit
    if number > cap:
        raise LimitAboveCapError(
            f"limits.{key} {number / _MIB:g} MiB is above the server's cap "
            f"max_{key}_limit = {cap / _MIB:g} MiB; ask for at most that"
        )
    return int(number)
