"""A judged case's score on a scoring problem: the glue between a verdict and scoring.py.

The score comes from the output validator's score files, a testlib checker's points or a
named checker's share of lines; a validator or checker that breaks the scoring rules
turns the case into the judge's error (IE), never the submission's.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from judgebox.judging.case_results import Feedback
from judgebox.judging.scoring import ScoreError, case_score
from judgebox.judging.testlib import PROBLEM_FAULT, TestlibOutcome
from judgebox.judging.validators import read_score_files
from judgebox.problems.model import Problem, TestCase
from judgebox.vocabulary.verdicts import Verdict

Scored = tuple[Verdict, Feedback, float | None]


async def validator_scored(
    problem: Problem,
    case: TestCase,
    verdict: Verdict,
    feedback: Feedback,
    feedback_dir: Path | None,
) -> Scored:
    """The case's score (scoring problems), from the score files the output validator
    wrote in `feedback_dir` (None: no validator ran); breaking the score rules is IE."""
    if not problem.scoring:
        return verdict, feedback, None
    texts: tuple[str | None, str | None] = (None, None)
    if feedback_dir is not None:
        texts = await asyncio.to_thread(read_score_files, feedback_dir)
    try:
        score = case_score(problem, case, verdict, score_text=texts[0],
                           multiplier_text=texts[1])  # fmt: skip
    except ScoreError as error:
        return Verdict.IE, Feedback.public(f"output validator broke the scoring rules: "
                                           f"{error}"), None  # fmt: skip
    return verdict, feedback, score


def testlib_scored(
    problem: Problem, case: TestCase, said: TestlibOutcome, feedback: Feedback
) -> Scored:
    """The case's score from a testlib checker: its points (exit 7) go through the same
    case score hook as a score.txt; in a pass-fail group (Polygon's complete-group)
    they are ignored, as the group scores as a whole."""
    if not problem.scoring:
        return said.verdict, feedback, None
    group = problem.group(case.group)
    points = said.points if group is not None and group.aggregation != "pass-fail" else None
    try:
        score = case_score(problem, case, said.verdict, multiplier_text=None,
                           score_text=None if points is None else repr(points))  # fmt: skip
    except ScoreError as error:
        return Verdict.IE, Feedback.public(f"{PROBLEM_FAULT}: its points broke the "
                                           f"scoring rules: {error}"), None  # fmt: skip
    return said.verdict, feedback, score
