"""A case judged by the problem's testlib programs (Polygon): its checker on the program's
output, or its interactor talking to the program (then the checker on the interactor's
tout). The protocol itself is testlib.py; this is what the verdicts mean for the case.
"""

from __future__ import annotations

from pathlib import Path

from judgebox.judging.case_results import Feedback, run_failure
from judgebox.judging.case_scoring import Scored, testlib_scored, validator_scored
from judgebox.judging.testlib import (
    PROBLEM_FAULT,
    TestlibOutcome,
    check_tout,
    combine_interactive,
    run_testlib_checker,
    run_testlib_interactive,
)
from judgebox.judging.validators import ValidatorProgram
from judgebox.problems.model import Problem, TestCase
from judgebox.sandbox import Box, ExecResult
from judgebox.vocabulary.limits import Limits
from judgebox.vocabulary.verdicts import Verdict


def testlib_feedback(outcome: TestlibOutcome) -> Feedback:
    """A testlib checker's message is shown for samples only; secret cases say whose fault."""
    if outcome.verdict is Verdict.IE:
        redacted = f"{PROBLEM_FAULT}; its message is not shown for secret cases"
    elif outcome.verdict is Verdict.WA:
        redacted = "wrong answer (checker; its message is not shown for secret cases)"
    else:
        redacted = ""
    return Feedback(outcome.message, redacted)


async def testlib_checked(
    problem: Problem,
    case: TestCase,
    checker: ValidatorProgram,
    box: Box,
    *,
    input_path: Path,
    output: bytes,
    feedback_dir: Path,
) -> Scored:
    """The testlib checker's verdict on the program's output, in the validator's box."""
    said = await run_testlib_checker(
        box, checker.argv, problem_root=checker.problem_root, input_path=input_path,
        answer_path=case.answer_path, output=output, feedback_dir=feedback_dir,
        result_file=True,
    )  # fmt: skip
    return testlib_scored(problem, case, said, testlib_feedback(said))


async def testlib_interaction(
    problem: Problem,
    case: TestCase,
    *,
    submission: Box,
    argv: list[str],
    run_limits: Limits,
    limits: Limits,
    memory_error_markers: tuple[str, ...],
    interactor: ValidatorProgram,
    checker: ValidatorProgram | None,
    box: Box,
    feedback_dir: Path,
) -> tuple[ExecResult, Scored]:
    """A testlib interactor with the program, then the checker on its tout (if any)."""
    result, said = await run_testlib_interactive(
        submission, argv, run_limits, box, interactor.argv,
        problem_root=interactor.problem_root, input_path=case.input_path,
        answer_path=case.answer_path, feedback_dir=feedback_dir, result_file=True,
    )  # fmt: skip
    failure = run_failure(result, limits, memory_error_markers)
    checked = None
    program_failed = failure[0] if failure is not None else None
    if checker is not None and said.verdict is Verdict.AC and failure is None:
        checked = await check_tout(
            box, checker.argv, problem_root=interactor.problem_root,
            input_path=case.input_path, answer_path=case.answer_path,
            feedback_dir=feedback_dir, result_file=True,
        )  # fmt: skip
    outcome = combine_interactive(program_failed, said, checked)
    if outcome is None:
        assert failure is not None
        return result, await validator_scored(problem, case, *failure, None)
    return result, testlib_scored(problem, case, outcome, testlib_feedback(outcome))
