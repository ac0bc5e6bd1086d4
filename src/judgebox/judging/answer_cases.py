"""A submit-answer case (answers.py): the submitted answer checked as a program's output.

No program runs: the answer stands for the program's output, with no time, no memory
and exit 0, so the output limit, the checker or the output validator judge it as any.
"""

from __future__ import annotations

from judgebox.judging.case_results import Feedback
from judgebox.sandbox import ExecResult, ExecStatus

NO_ANSWER = Feedback.public("no answer for this case in the submission")


def answered(answer: bytes) -> ExecResult:
    """A submitted answer as if a program had printed it: no time, no memory, exit 0."""
    return ExecResult(ExecStatus.OK, exit_code=0, signal=None, cpu_time=0.0, wall_time=0.0,
                      memory=0, stdout=answer)  # fmt: skip
