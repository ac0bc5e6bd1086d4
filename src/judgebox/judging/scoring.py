"""Scores of scoring problems: a case's score, a group's by its aggregation, and skipping.

Pure: no I/O, no sandbox. The judge feeds `Scoreboard` each case result in
dataset order; it answers which groups that decided (children before parents)
and whether a later case must be SKIPPED because a group it requires failed.

    case score     failed: 0; accepted: score.txt, or score_multiplier.txt x the
                   case's maximum, or the maximum (legacy: accept_score)
    case maximum   min: the group's max_score; sum: max_score / its cases
    group score    pass-fail: max_score if every case passed, else 0;
                   sum / min over its direct cases and its subgroups
    require_pass   a group whose required group did not pass is not run:
                   score 0, its cases SKIPPED
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from judgebox.problems.model import Problem, TestCase, TestGroup
from judgebox.vocabulary.errors import ProblemPackageError
from judgebox.vocabulary.verdicts import GroupResult, Verdict

# Room for floating-point sums of shares (100/3 + 100/3 + 100/3).
_EPSILON = 1e-6


class ScoreError(ProblemPackageError):
    """A validator broke the scoring rules: the judge's (the package's) error, an IE."""


def case_max_score(problem: Problem, case: TestCase) -> float | None:
    """The most a case can score: None when unbounded or when its group is pass-fail."""
    group = problem.group(case.group)
    if group is None or case.is_sample:
        return None
    if group.accept_score is not None:
        return group.accept_score
    if group.aggregation == "pass-fail" or group.max_score is None:
        return None
    if group.aggregation == "min":
        return group.max_score
    direct = sum(1 for i in group.cases if problem.cases[i - 1].group == group.name)
    return group.max_score / max(1, direct)


def _number(text: str, name: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ScoreError(f"{name} must hold one number, not {text.strip()[:40]!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ScoreError(f"{name} must hold a non-negative number, not {value!r}")
    return value


def case_score(
    problem: Problem,
    case: TestCase,
    verdict: Verdict,
    *,
    score_text: str | None,
    multiplier_text: str | None,
) -> float | None:
    """A case's score from its verdict and the validator's score files (None: not scored).

    Raises ScoreError for what the spec calls a judge error.
    """
    group = problem.group(case.group)
    if not problem.scoring or group is None or case.is_sample:
        return None  # a score.txt on a sample is ignored, as the spec says
    if score_text is not None and multiplier_text is not None:
        raise ScoreError("the validator wrote both score.txt and score_multiplier.txt")
    wrote = score_text is not None or multiplier_text is not None
    if verdict is not Verdict.AC:
        if wrote and problem.format_version != "legacy":
            raise ScoreError("the validator rejected the output but wrote a score file")
        return 0.0
    maximum = case_max_score(problem, case)
    if group.aggregation == "pass-fail" and group.accept_score is None:
        if wrote:
            raise ScoreError(f"a score file for a case of pass-fail group {group.name}")
        return None
    if score_text is not None:
        score = _number(score_text, "score.txt")
        if maximum is not None and group.accept_score is None and score > maximum + _EPSILON:
            raise ScoreError(f"score.txt says {score:g}, over the case's maximum {maximum:g}")
        return score
    if maximum is None:
        raise ScoreError(f"group {group.name} is unbounded: the validator must write score.txt")
    if multiplier_text is not None:
        multiplier = _number(multiplier_text, "score_multiplier.txt")
        if multiplier > 1 + _EPSILON:
            raise ScoreError(f"score_multiplier.txt says {multiplier:g}, over 1")
        return multiplier * maximum
    return maximum


@dataclass
class _Tally:
    verdict: Verdict = Verdict.AC
    items: int = 0
    total: float = 0.0
    minimum: float = math.inf
    pending: int = 0


class Scoreboard:
    """The groups of one run, decided as the case results come in dataset order."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.decided: dict[str, GroupResult] = {}
        self._case_scores: dict[int, float] = {}
        self._verdicts: dict[int, Verdict] = {}
        self._remaining = {g.name: len(g.cases) for g in problem.groups}
        self._parents = {c: g.name for g in problem.groups for c in g.subgroups}

    def _chain(self, group_name: str) -> list[TestGroup]:
        """The group and its ancestors."""
        chain: list[TestGroup] = []
        name: str | None = group_name
        while name is not None:
            group = self.problem.group(name)
            if group is None:
                break
            chain.append(group)
            name = self._parents.get(name)
        return chain

    def blocked(self, case: TestCase) -> bool:
        """Whether the case must be SKIPPED: a group it requires is decided and did not pass."""
        for group in self._chain(case.group):
            for required in group.require_pass:
                result = self.decided.get(required)
                if result is not None and result.verdict is not Verdict.AC:
                    return True
        return False

    def record(self, case: TestCase, verdict: Verdict, score: float | None) -> list[GroupResult]:
        """Take one case's result; the groups it completes, each after its subgroups."""
        self._verdicts[case.index] = verdict
        self._case_scores[case.index] = 0.0 if score is None else score
        done: list[GroupResult] = []
        for group in self._chain(case.group):
            self._remaining[group.name] -= 1
            if self._remaining[group.name] == 0:
                result = self._decide(group)
                self.decided[group.name] = result
                done.append(result)
        return done

    def verdict(self) -> Verdict | None:
        """Legacy grading: the submission's verdict from its groups' (sample, then secret),
        or None where the verdict is that of the cases (2023-07+ groups, or undecided)."""
        secret = self.problem.group("secret")
        if secret is None or secret.verdict_rule is None or "secret" not in self.decided:
            return None
        parts = [self.decided["secret"].verdict]
        if "sample" in self.decided and not self.problem.grading_ignores_sample:
            parts.insert(0, self.decided["sample"].verdict)
        return _worst(parts)

    def _group_verdict(self, group: TestGroup) -> Verdict:
        if group.verdict_rule is None:  # the first failed case, subgroups' included
            return next(
                (self._verdicts[i] for i in group.cases if self._verdicts[i] is not Verdict.AC),
                Verdict.AC,
            )
        # legacy grader_flags: over the direct cases and the subgroups, in order
        parts = [self._verdicts[i] for i in group.cases
                 if self.problem.cases[i - 1].group == group.name]  # fmt: skip
        parts += [self.decided[c].verdict for c in group.subgroups if c in self.decided]
        if group.verdict_rule == "always_accept" or (group.accept_if_any and Verdict.AC in parts):
            return Verdict.AC
        if group.verdict_rule == "first_error":
            return next((v for v in parts if v is not Verdict.AC), Verdict.AC)
        return _worst(parts)

    def _decide(self, group: TestGroup) -> GroupResult:
        verdict = self._group_verdict(group)
        if group.name == "sample" or (group.max_score is None and group.aggregation == "pass-fail"
                                      and group.accept_score is None):  # fmt: skip
            return GroupResult(group.name, verdict, None, group.max_score)
        if group.aggregation == "pass-fail":
            score = (group.max_score or 0.0) if verdict is Verdict.AC else 0.0
        else:
            items = []
            rejected = False
            for i in group.cases:
                if self.problem.cases[i - 1].group != group.name:
                    continue
                # legacy on_reject: break: nothing after the first rejection counts
                items.append(0.0 if rejected else self._case_scores[i])
                rejected = rejected or (
                    group.stop_on_reject and self._verdicts[i] is not Verdict.AC
                )
            items += [self.decided[c].score or 0.0 for c in group.subgroups if c in self.decided]
            score = math.fsum(items) if group.aggregation == "sum" else min(items, default=0.0)
        if group.max_score is not None and score > group.max_score + _EPSILON:
            raise ScoreError(
                f"group {group.name} scored {score:g}, over its max_score {group.max_score:g}"
            )
        return GroupResult(group.name, verdict, _round(score), group.max_score)

    def total(self) -> tuple[float | None, float | None]:
        """The submission's score and the most it could be: those of `secret`."""
        secret = self.decided.get("secret")
        group = self.problem.group("secret")
        if group is None:
            return None, None
        return (secret.score if secret is not None else 0.0) or 0.0, group.max_score


# The legacy default grader's order for worst_error, worst first.
_WORST_FIRST = (Verdict.IE, Verdict.RTE, Verdict.MLE, Verdict.TLE, Verdict.OLE, Verdict.WA)


def _worst(verdicts: list[Verdict]) -> Verdict:
    """The worst of the verdicts by the legacy default grader's order (AC if none failed)."""
    failed = [v for v in verdicts if v is not Verdict.AC]
    if not failed:
        return Verdict.AC
    return min(failed, key=lambda v: _WORST_FIRST.index(v) if v in _WORST_FIRST else 99)


def _round(score: float) -> float:
    """Scores on the wire: 6 decimals is plenty and hides 33.333333333333336."""
    return round(score, 6)
