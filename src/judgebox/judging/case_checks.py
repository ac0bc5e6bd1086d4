"""A case's output checked in the judge's own process: the default checker (with its
flags) or one of DMOJ's named checkers, against the case's answer file.

The program's output is hostile and up to the output limit: checking it is CPU-bound,
so it runs in a worker thread, never on the event loop, unless the output and the
answer are both small (INLINE_CHECK), where the check costs less than the thread trip.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from judgebox.judging.case_results import Feedback
from judgebox.judging.case_scoring import Scored, validator_scored
from judgebox.judging.checkers import CheckerFlags, CheckOutcome, check_output
from judgebox.judging.named_checkers import NamedOutcome, check_named
from judgebox.judging.scoring import case_score
from judgebox.problems.model import NamedChecker, Problem, TestCase
from judgebox.vocabulary.verdicts import Difference, Verdict

# Output and answer both at most this many bytes: checked on the event loop (the worst
# case measured, every token a float compared with tolerance, about 1 ms on a loaded
# 2-CPU host); anything larger goes to a worker thread, so that hostile output never
# stalls the loop. A trivial case's check is then microseconds, not a thread round trip.
INLINE_CHECK = 4096


async def default_checked(
    problem: Problem, case: TestCase, output: bytes
) -> tuple[Scored, Difference | None]:
    """The default checker's verdict (with the case's or the problem's flags), and where
    the output first differs on a WA."""
    flags = case.checker_flags or problem.checker_flags
    answer = _small_answer(case.answer_path) if len(output) <= INLINE_CHECK else None
    if answer is not None:
        # Both small: checking costs less than a trip to a worker thread.
        outcome = check_output(output, answer, flags)
    else:
        # CPU-bound on the program's output (up to the output limit): off the event
        # loop, so other runs' streams and limit watchdogs keep going.
        outcome = await asyncio.to_thread(_check, output, case.answer_path, flags)
    verdict = Verdict.AC if outcome.accepted else Verdict.WA
    feedback = Feedback(outcome.feedback, outcome.redacted_feedback)
    scored = await validator_scored(problem, case, verdict, feedback, None)
    return scored, outcome.difference


async def named_checked(
    problem: Problem, case: TestCase, named: NamedChecker, output: bytes
) -> Scored:
    """One of DMOJ's named checkers (named_checkers.py); linecount's share of the lines
    correct goes through the case score hook as a score multiplier would."""
    said = await asyncio.to_thread(_check_named, named, output, case.answer_path)
    group = problem.group(case.group) if problem.scoring else None
    scored_alone = group is not None and group.aggregation != "pass-fail"
    # Partly right (linecount) passes only where the case is scored on its own; in a
    # pass-fail group (a DMOJ batch) or a pass-fail problem it is wrong.
    accepted = said.accepted and (said.fraction is None or scored_alone)
    verdict = Verdict.AC if accepted else Verdict.WA
    feedback = Feedback(said.feedback, said.feedback)  # it quotes no value of the answer
    score = None
    if problem.scoring:
        multiplier = repr(said.fraction) if scored_alone and said.fraction is not None else None
        score = case_score(problem, case, verdict, score_text=None,
                           multiplier_text=multiplier)  # fmt: skip
    return verdict, feedback, score


def _small_answer(path: Path) -> bytes | None:
    """The answer if it is at most INLINE_CHECK bytes, else None (one open, one read)."""
    # os.open/os.read: a buffered file object adds an fstat, an ioctl and an lseek.
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, INLINE_CHECK + 1)
    finally:
        os.close(fd)
    return data if len(data) <= INLINE_CHECK else None


def _check(output: bytes, answer_path: Path, flags: CheckerFlags) -> CheckOutcome:
    """Read the answer and check the output against it (runs in a worker thread)."""
    return check_output(output, answer_path.read_bytes(), flags)


def _check_named(checker: NamedChecker, output: bytes, answer_path: Path) -> NamedOutcome:
    """Read the answer and judge the output with a named checker (in a worker thread)."""
    return check_named(checker, output, answer_path.read_bytes())
