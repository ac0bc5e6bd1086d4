"""Judge one test case: run the program in its box, check the output, make the CaseResult.

A slot of the judge owns `SlotBoxes` (the submission's box, and the validator's
box for custom or interactive problems) for the whole run; `CaseJudge` turns a
case into a verdict with feedback a person can act on. This is the ordinary case
(one run, checked by the default checker, a named checker or the output validator)
and the dispatch to the other kinds, each in its own module: multi_pass.py,
custom_cases.py, testlib_cases.py, answer_cases.py; case_checks.py checks in the
judge's process, case_scoring.py scores, case_results.py says what a person sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from judgebox.judging import case_files as case_files_mod
from judgebox.judging.answer_cases import NO_ANSWER, answered
from judgebox.judging.case_checks import default_checked, named_checked
from judgebox.judging.case_results import (
    CustomCase,
    Feedback,
    case_result,
    run_failure,
    validator_feedback,
)
from judgebox.judging.case_scoring import validator_scored
from judgebox.judging.compilation import Artifact
from judgebox.judging.custom import CustomJudging
from judgebox.judging.custom_cases import judge_custom_case
from judgebox.judging.multi_pass import judge_passes
from judgebox.judging.problem_limits import problem_limits
from judgebox.judging.testlib import CHECKER_DIR
from judgebox.judging.testlib_cases import testlib_checked, testlib_interaction
from judgebox.judging.validators import (
    FEEDBACK_DIR,
    PROBLEM_DIR,
    ValidatorProgram,
    run_interactive,
    run_validator,
)
from judgebox.languages.table import Language
from judgebox.problems.model import Problem, TestCase, Validation
from judgebox.sandbox import BOX_DIR, Box, ExecResult, ExecStatus, Mount, Sandbox
from judgebox.settings import Settings
from judgebox.vocabulary.limits import Limits
from judgebox.vocabulary.verdicts import CaseResult, Difference, Verdict


@dataclass(slots=True)
class SlotBoxes:
    """The boxes and scratch paths of one parallel slot."""

    submission: Box | None  # None: a submit-answer run, which runs no program
    validator: Box | None
    feedback_dir: Path
    output_path: Path
    # The host side of the submission box's /case (judging/case_files.py); None when no
    # case of the problem has `.files`.
    case_files: Path | None = None


def slot_boxes(submission: Box, validator: Box | None, workspace: Path) -> SlotBoxes:
    """A slot's boxes and its scratch paths in the run's workspace."""
    return SlotBoxes(
        submission=submission,
        validator=validator,
        feedback_dir=workspace / f"feedback-{submission.name}",
        output_path=workspace / f"output-{submission.name}",
    )


@dataclass(frozen=True, slots=True)
class CaseJudge:
    """Everything needed to judge any case of one run."""

    settings: Settings
    problem: Problem
    language: Language
    artifact: Artifact
    validator: ValidatorProgram | None
    workspace: Path
    custom: CustomJudging | None = None  # what judges custom-input cases (judging/custom.py)
    testlib_checker: ValidatorProgram | None = None
    testlib_interactor: ValidatorProgram | None = None
    # A submit-answer run: each case's submitted answer by case index (judging/answers.py);
    # no program runs, the answer is checked as its output.
    answers: Mapping[int, bytes] | None = None
    # The same for every case of the run: worked out once (in __post_init__).
    _limits: Limits = field(init=False, repr=False, compare=False)
    _run_limits: Limits = field(init=False, repr=False, compare=False)
    _argv: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        limits = self.problem_limits(self.settings, self.problem)
        object.__setattr__(self, "_limits", limits)
        object.__setattr__(self, "_run_limits", self.language.run_limits(limits))
        object.__setattr__(
            self,
            "_argv",
            tuple(
                self.language.run_argv(
                    self.artifact.file,
                    limits,
                    main=self.artifact.main,
                    sources=self.artifact.sources,
                )
            ),
        )

    @staticmethod
    def problem_limits(settings: Settings, problem: Problem) -> Limits:
        """The problem's limits, with the server's defaults where the package gives none."""
        return problem_limits(settings, problem)

    async def open_boxes(
        self, sandbox: Sandbox, stack: contextlib.AsyncExitStack, *, group: str
    ) -> SlotBoxes:
        """Start this slot's boxes (closed with `stack`, killed by `group`)."""
        sub: Box | None = None
        case_files: Path | None = None
        if self.answers is None:
            mounts = [Mount(self.artifact.directory, BOX_DIR)]
            if any(case.files_dir is not None for case in self.problem.cases):
                case_files = self.workspace / f"case-files-{next(_FILES_SLOTS)}"
                case_files.mkdir(mode=0o755)
                mounts.append(Mount(case_files, case_files_mod.CASE_FILES_DIR))
            sub = await stack.enter_async_context(sandbox.box(mounts, group=group))
            slot = sub.name
        else:
            slot = f"answers-{next(_ANSWER_SLOTS)}"
        validator_box = None
        # A testlib interactor's box holds its checker too (at /checker), to read its tout.
        first = self.testlib_interactor or self.testlib_checker or self.validator
        if first is not None:
            mounts = [
                Mount(first.artifact.directory, BOX_DIR),
                Mount(first.problem_root, PROBLEM_DIR),
                Mount(self.workspace / f"feedback-{slot}", FEEDBACK_DIR, writable=True),
            ]
            if self.testlib_interactor is not None and self.testlib_checker is not None:
                mounts.append(Mount(self.testlib_checker.artifact.directory, CHECKER_DIR))
            mounts[2].source.mkdir(mode=0o755)
            validator_box = await stack.enter_async_context(sandbox.box(mounts, group=group))
        return SlotBoxes(
            submission=sub,
            validator=validator_box,
            feedback_dir=self.workspace / f"feedback-{slot}",
            output_path=self.workspace / f"output-{slot}",
            case_files=case_files,
        )

    async def _working_directory(self, boxes: SlotBoxes, case: TestCase) -> str:
        """The submission's working directory for this case: /case filled with the
        case's `.files` (and links to the program), else the program's /box. /case is
        emptied before every case, so nothing of one case is seen by the next."""
        if boxes.case_files is None:
            return BOX_DIR
        staged = await asyncio.to_thread(
            case_files_mod.stage, boxes.case_files, self.artifact.directory, case.files_dir
        )
        return case_files_mod.CASE_FILES_DIR if staged else BOX_DIR

    async def judge_case(self, boxes: SlotBoxes, case: TestCase) -> CaseResult:
        """Run and check one case (every pass of it, for a multi-pass problem; a custom-input
        case against the reference solution, if any)."""
        if case.custom:
            assert self.custom is not None, "a run with custom cases has its CustomJudging"
            partner = None
            if self.problem.validation is Validation.INTERACTIVE:
                assert self.validator is not None and boxes.validator is not None
                partner = (self.validator, boxes.validator, boxes.feedback_dir)
            run_pass = functools.partial(self._judge_pass, boxes, case, case.input_path)
            return await judge_custom_case(self.custom, case, run_pass, partner=partner)
        if not self.problem.multi_pass:
            return await self._judge_pass(boxes, case, case.input_path)
        assert boxes.submission is not None, "multi-pass is never submit-answer"

        async def one_pass(input_path: Path, fresh: bool, in_box: str | None) -> CaseResult:
            return await self._judge_pass(boxes, case, input_path, fresh, in_box)

        return await judge_passes(
            one_pass, case.input_path, passes=self.problem.validation_passes,
            feedback_dir=boxes.feedback_dir,
            stdin_copy=self.workspace / f"pass-{boxes.submission.name}.in",
        )  # fmt: skip

    async def _judge_pass(
        self,
        boxes: SlotBoxes,
        case: TestCase,
        input_path: Path,
        fresh: bool = True,
        in_box: str | None = None,
        *,
        check: bool = True,
        rejected: str | None = None,
        gate: asyncio.Future[str | None] | None = None,
    ) -> CaseResult:
        """Run and check one pass of a case on `input_path` (`in_box`: where the validator
        finds it on a later pass).

        `check` False: nothing to check the output against. `rejected`: why the input is
        outside the problem. `gate`: the input's examination (validators, reference),
        awaited after the submission's run: why the input is outside the problem, or None.
        """
        limits, run_limits = self._limits, self._run_limits
        argv = [*self._argv, *case.args] if case.args else list(self._argv)
        problem = self.problem
        if self.testlib_interactor is not None:
            assert boxes.validator is not None
            assert boxes.submission is not None, "interactive is never submit-answer"
            result, (verdict, feedback, score) = await testlib_interaction(
                problem, case, submission=boxes.submission, argv=argv, run_limits=run_limits,
                limits=limits, memory_error_markers=self.language.memory_error_markers,
                interactor=self.testlib_interactor, checker=self.testlib_checker,
                box=boxes.validator, feedback_dir=boxes.feedback_dir,
            )  # fmt: skip
            return self._result(case, result, verdict, feedback, output=None, score=score)
        if problem.validation is Validation.INTERACTIVE:
            assert self.validator is not None and boxes.validator is not None
            assert boxes.submission is not None, "interactive is never submit-answer"
            cwd = await self._working_directory(boxes, case)
            result, verdict, message, validator_first = await run_interactive(
                boxes.submission, argv, run_limits, boxes.validator, self.validator.argv,
                problem_root=self.validator.problem_root, input_path=input_path,
                answer_path=case.answer_path, feedback_dir=boxes.feedback_dir,
                flags=self._validator_flags(case), validator_limits=self.validator.limits,
                fresh=fresh, input_in_box=in_box, submission_cwd=cwd,
            )  # fmt: skip
            feedback = validator_feedback(verdict, message)
            # As Kattis judges it: a rejection by a validator that ended first stands (the
            # submission may spin or crash after it, waiting for input); else the
            # submission's own failure (limits, a crash) wins, but a crash does not hide a
            # validator's internal error.
            failure = self._failure(result)
            if result.status is ExecStatus.SIGNALED and result.signal == "SIGPIPE":
                # It wrote to a validator that had gone: as Kattis, the validator decides.
                failure = None
            rejected_first = validator_first and verdict is Verdict.WA
            if (
                failure is not None
                and not rejected_first
                and (failure[0] is not Verdict.RTE or verdict is not Verdict.IE)
            ):
                verdict, feedback = failure
            elif not check:
                verdict = Verdict.RAN  # the validator's message stays: it says what happened
            verdict, feedback, score = await validator_scored(
                problem, case, verdict, feedback, boxes.feedback_dir
            )
            return self._result(case, result, verdict, feedback, output=None, score=score,
                                rejected=rejected)  # fmt: skip
        if self.answers is not None:
            answer = self.answers.get(case.index)
            if answer is None:  # nothing to check: the submission gave no answer for it
                verdict, feedback, score = await validator_scored(
                    problem, case, Verdict.WA, NO_ANSWER, None
                )
                return self._result(case, answered(b""), verdict, feedback, output=None,
                                    score=score)  # fmt: skip
            result = answered(answer)
        else:
            assert boxes.submission is not None
            cwd = await self._working_directory(boxes, case)
            # Opened here, following links: packages may link data files (a sample that is
            # also a secret case). One open instead of resolve()'s lstat per path
            # component; the box consumes the fd.
            stdin = os.open(input_path, os.O_RDONLY | os.O_CLOEXEC)
            result = await boxes.submission.run(argv, limits=run_limits, stdin=stdin, cwd=cwd)
        if gate is not None:
            rejected = await gate
            check = check and rejected is None
        output = result.stdout
        failure = self._failure(result)
        if failure is not None:
            verdict, feedback, score = await validator_scored(problem, case, *failure, None)
            return self._result(case, result, verdict, feedback, output=output, score=score,
                                rejected=rejected)  # fmt: skip
        if not check:
            return self._result(case, result, Verdict.RAN, Feedback.public(""), output=output,
                                rejected=rejected)  # fmt: skip
        difference = None
        if self.testlib_checker is not None:
            assert boxes.validator is not None
            verdict, feedback, score = await testlib_checked(
                problem, case, self.testlib_checker, boxes.validator, input_path=input_path,
                output=output, feedback_dir=boxes.feedback_dir,
            )  # fmt: skip
        elif self.validator is not None:
            assert boxes.validator is not None
            await asyncio.to_thread(_write_output, boxes.output_path, output)
            verdict, message = await run_validator(
                boxes.validator, self.validator.argv, problem_root=self.validator.problem_root,
                input_path=input_path, answer_path=case.answer_path,
                output_path=boxes.output_path, feedback_dir=boxes.feedback_dir,
                flags=self._validator_flags(case), limits=self.validator.limits,
                fresh=fresh, input_in_box=in_box,
            )  # fmt: skip
            verdict, feedback, score = await validator_scored(
                problem, case, verdict, validator_feedback(verdict, message), boxes.feedback_dir
            )
        elif problem.named_checker is not None:
            verdict, feedback, score = await named_checked(
                problem, case, problem.named_checker, output
            )
        else:
            (verdict, feedback, score), difference = await default_checked(problem, case, output)
        return self._result(case, result, verdict, feedback, output=output, score=score,
                            difference=difference, rejected=rejected)  # fmt: skip

    def _validator_flags(self, case: TestCase) -> tuple[str, ...]:
        """The output validator's arguments for a case: its own, else the problem's."""
        assert self.validator is not None
        return case.validator_args if case.validator_args is not None else self.validator.flags

    def _failure(self, result: ExecResult) -> tuple[Verdict, Feedback] | None:
        """The verdict of a run that did not end normally, or None."""
        return run_failure(result, self._limits, self.language.memory_error_markers)

    def _visible(self, case: TestCase) -> bool:
        """The one place that decides whether a person may see a case's data and feedback."""
        return case.is_sample or self.settings.reveal_secret

    def _result(
        self,
        case: TestCase,
        result: ExecResult,
        verdict: Verdict,
        feedback: Feedback,
        *,
        output: bytes | None,
        score: float | None = None,
        difference: Difference | None = None,
        rejected: str | None = None,
    ) -> CaseResult:
        """The case's CaseResult, as this run's settings let a person see it."""
        custom = None
        if case.custom:
            reference = self.custom.reference if self.custom is not None else None
            custom = CustomCase(reference.name if reference is not None else None, rejected)
        return case_result(
            case, result, verdict, feedback, output=output, visible=self._visible(case),
            cap=self.settings.visible_text_limit, score=score, difference=difference,
            custom=custom,
        )  # fmt: skip


_ANSWER_SLOTS = itertools.count(1)
_FILES_SLOTS = itertools.count(1)


def _write_output(path: Path, data: bytes) -> None:
    """The program's output where the output validator's box reads it (a fresh file)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
