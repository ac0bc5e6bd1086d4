"""Custom-input runs against a named problem: the person's inputs, the problem's judging.

`custom_problem(base, inputs, directory)` writes each input beside an empty
answer file and returns the base problem with these cases instead of its
dataset: the same checker, flags, validator and limits, and `custom_package`
naming the package whose accepted submission (the reference) and input
validators judge them (judging/custom.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from judgebox.problems.inline import inline_problem
from judgebox.problems.model import Problem
from judgebox.vocabulary.errors import UsageError


def custom_problem(base: Problem, cases: Sequence[Mapping[str, str]], directory: Path) -> Problem:
    """`base` judged on `cases` (`[{"name"?, "input"}]`, no answers) written into `directory`."""
    if any(isinstance(case, Mapping) and case.get("answer") is not None for case in cases):
        raise UsageError(
            f"cases against problem {base.name!r} are custom input: give each an `input` and "
            "no `answer` (the problem's reference solution decides), or leave `problem` out "
            "to judge an inline dataset"
        )
    if base.submit_answer or base.multi_pass:
        kind = "submit-answer" if base.submit_answer else "multi-pass"
        raise UsageError(f"problem {base.name!r} is {kind}: custom input is not available for it")
    written = inline_problem(cases, directory)
    custom = tuple(dataclasses.replace(case, custom=True) for case in written.cases)
    # The validators' /problem is the cases' directory: the inputs live there, not in the package.
    # Pass-fail on the person's cases: the package's test groups and scores are its dataset's.
    return dataclasses.replace(
        base, path=directory, cases=custom, custom_package=base.path, groups=(), scoring=False,
        reference_limits=(base.time_limit, base.memory_limit, base.output_limit),
    )  # fmt: skip


def is_custom(problem: Problem) -> bool:
    """Whether a run of `problem` has custom-input cases."""
    return problem.custom_package is not None or any(case.custom for case in problem.cases)
