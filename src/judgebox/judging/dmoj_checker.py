"""A DMOJ `checker.py` made a testlib-speaking program for the sandbox.

The box gets judgebox's wrapper (dmoj_checker_main.py, run by the box's python3), the
problem's checker beside it as `dmoj_user_checker.py`, and `dmoj_cases.json`: init.yml's
checker args and, per case (keyed by the input's path in the box), the keyword arguments
DMOJ gives `check()`. The checker never runs in judgebox's own process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from judgebox.judging.validators import box_path
from judgebox.languages.table import Language
from judgebox.problems.model import CheckerSource, Problem
from judgebox.problems.programs import ProgramSource, read_program_files
from judgebox.vocabulary.errors import ProblemPackageError

_WRAPPER = Path(__file__).with_name("dmoj_checker_main.py")


def dmoj_checker_program(
    problem: Problem, source: CheckerSource, languages: Mapping[str, Language]
) -> ProgramSource:
    """A DMOJ `checker.py` with judgebox's in-box wrapper (dmoj_checker_main.py) and the
    per-case keyword arguments DMOJ gives `check()`, keyed by the input's path in the box."""
    language = languages.get("python3")
    if language is None:
        raise ProblemPackageError(f"{source.main}: Python checkers need python3, not installed")
    root = problem.data_root or problem.path
    cases: dict[str, dict[str, float | int]] = {}
    for case in problem.cases:
        group = problem.group(case.group)
        batch = case.group.removeprefix("secret/batch")
        cases[box_path(root, case.input_path)] = {
            "point_value": (group.max_score or 0) if group is not None else 0,
            "case_position": case.index,
            "batch": int(batch) if batch.isdigit() else 0,
        }
    table = {"args": json.loads(source.args_json), "problem_id": problem.name, "cases": cases}
    files = {
        "dmoj_checker_main.py": _WRAPPER.read_bytes(),
        "dmoj_user_checker.py": read_program_files(source.main)[source.main.name],
        "dmoj_cases.json": json.dumps(table).encode(),
    }
    return ProgramSource(language, "dmoj_checker_main.py", files, language.id)
