"""The judging vocabulary: verdicts, run statuses and per-case / per-run results.

Imports nothing of ours. Every other layer speaks in these types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """A case's (or a run's) verdict, exactly as docs/api.md spells it."""

    AC = "AC"
    WA = "WA"
    TLE = "TLE"
    MLE = "MLE"
    OLE = "OLE"
    RTE = "RTE"
    CE = "CE"
    IE = "IE"
    SKIPPED = "SKIPPED"
    # A custom-input case that ran but has nothing to be judged against (no reference
    # solution, or an input outside the problem): not a pass, not a failure.
    RAN = "RAN"


class RunStatus(StrEnum):
    """How a run ended (the `status` of the `complete` event)."""

    FINISHED = "finished"
    COMPILE_ERROR = "compile-error"
    TIMED_OUT = "timed-out"
    CANCELLED = "cancelled"
    INTERNAL_ERROR = "internal-error"


@dataclass(frozen=True, slots=True)
class CompileResult:
    """Outcome of compiling (or syntax-checking) a submission."""

    ok: bool
    time_ms: int
    output: str
    cached: bool = False


@dataclass(frozen=True, slots=True)
class Difference:
    """Where the output first differs from the answer, and how, without any token's value.

    This is all a person may learn about a secret case: a value-free `kind` and a
    position in the program's output (line and token, or line and column for whitespace).
    """

    kind: str
    line: int | None = None
    token: int | None = None
    column: int | None = None

    def describe(self) -> str:
        """`line L, token T: kind` (or just the kind when it has no position)."""
        if self.line is None:
            return self.kind
        where = f"line {self.line}"
        if self.token is not None:
            where += f", token {self.token}"
        elif self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.kind}"


@dataclass(frozen=True, slots=True)
class CaseResult:
    """Outcome of one test case. `input`/`answer`/`output` only for visible cases."""

    index: int
    name: str
    verdict: Verdict
    time_ms: int = 0
    wall_time_ms: int = 0
    memory_kb: int = 0
    exit_code: int | None = None
    signal: str | None = None
    feedback: str = ""
    input: str | None = None
    answer: str | None = None
    output: str | None = None
    score: float | None = None  # scoring problems: the case's score (None elsewhere)
    # WA by the default checker: where the output first differs (positions, no values).
    difference: Difference | None = None
    # Custom-input cases only (None elsewhere): the program's stderr, whether `output`
    # was cut, the reference solution that judged it, and why the input is outside the
    # problem (the input validator's message, or how the reference failed on it).
    stderr: str | None = None
    output_truncated: bool | None = None
    reference: str | None = None
    input_rejected: str | None = None


@dataclass(frozen=True, slots=True)
class GroupResult:
    """A test group's outcome (scoring problems): its verdict and score out of `max_score`.

    `score` is None for a group that is not scored (`sample`); `max_score` None is unbounded.
    """

    name: str
    verdict: Verdict
    score: float | None = None
    max_score: float | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """The totals reported by the `complete` event."""

    total_cases: int
    completed: bool
    verdict: Verdict
    passed: int
    failed: int
    skipped: int
    status: RunStatus
    score: float | None = None  # scoring problems only: the score of `secret`
    max_score: float | None = None
    unjudged: int = 0  # RAN cases: ran, no verdict


def overall_verdict(case_verdicts: Iterable[Verdict], *, compile_ok: bool = True) -> Verdict:
    """First case verdict other than AC and RAN in dataset order; CE if compiling failed;
    RAN if some case ran without a verdict and none failed; AC otherwise."""
    if not compile_ok:
        return Verdict.CE
    ran = False
    for verdict in case_verdicts:
        if verdict is Verdict.RAN:
            ran = True
        elif verdict is not Verdict.AC:
            return verdict
    return Verdict.RAN if ran else Verdict.AC


_UNFINISHED = {
    RunStatus.INTERNAL_ERROR: Verdict.IE,
    RunStatus.TIMED_OUT: Verdict.TLE,
    RunStatus.CANCELLED: Verdict.SKIPPED,
}


def summarize(
    total_cases: int,
    results: Iterable[CaseResult],
    status: RunStatus,
    *,
    compile_ok: bool = True,
    score: float | None = None,
    max_score: float | None = None,
) -> Summary:
    """Build the `complete` totals from the case results emitted so far."""
    results = list(results)
    passed = sum(1 for r in results if r.verdict is Verdict.AC)
    skipped = sum(1 for r in results if r.verdict is Verdict.SKIPPED)
    unjudged = sum(1 for r in results if r.verdict is Verdict.RAN)
    failed = len(results) - passed - skipped - unjudged
    judged = [r.verdict for r in results if r.verdict is not Verdict.SKIPPED]
    verdict = overall_verdict(judged, compile_ok=compile_ok)
    if verdict in (Verdict.AC, Verdict.RAN) and passed + unjudged < total_cases:
        # Not every case passed: a run that stopped early without a failure is not AC.
        verdict = _UNFINISHED.get(status, verdict)
    # completed: every case was judged (none skipped, none left out by a cancel or a cap)
    completed = status is RunStatus.FINISHED and passed + failed + unjudged == total_cases
    return Summary(
        total_cases=total_cases,
        completed=completed,
        verdict=verdict,
        passed=passed,
        failed=failed,
        skipped=skipped,
        status=status,
        unjudged=unjudged,
        score=score,
        max_score=max_score,
    )
