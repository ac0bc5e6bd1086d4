"""Judge one test case: run the program in its box, check the output, make the CaseResult.

A slot of the judge owns `SlotBoxes` (the submission's box, and the validator's
box for custom or interactive problems) for the whole run; `CaseJudge` turns a
case into a verdict with feedback a person can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from judgebox.judging import case_files as case_files_mod
from judgebox.judging.checkers import CheckerFlags, CheckOutcome, check_output
from judgebox.judging.compilation import Artifact
from judgebox.judging.custom import CustomJudging
from judgebox.judging.named_checkers import NamedOutcome, check_named
from judgebox.judging.scoring import ScoreError, case_score
from judgebox.judging.testlib import (
    CHECKER_DIR,
    PROBLEM_FAULT,
    TestlibOutcome,
    check_tout,
    combine_interactive,
    run_testlib_checker,
    run_testlib_interactive,
)
from judgebox.judging.validators import (
    FEEDBACK_DIR,
    PROBLEM_DIR,
    ValidatorProgram,
    read_score_files,
    run_interactive,
    run_validator,
    take_next_pass,
)
from judgebox.languages.table import Language
from judgebox.problems.model import NamedChecker, Problem, TestCase, Validation
from judgebox.sandbox import BOX_DIR, Box, ExecResult, ExecStatus, Mount, Sandbox
from judgebox.settings import Settings
from judgebox.vocabulary.limits import Limits
from judgebox.vocabulary.verdicts import CaseResult, Difference, Verdict

# Output and answer both at most this many bytes: checked on the event loop (the worst
# case measured, every token a float compared with tolerance, about 1 ms on a loaded
# 2-CPU host); anything larger goes to a worker thread, so that hostile output never
# stalls the loop. A trivial case's check is then microseconds, not a thread round trip.
INLINE_CHECK = 4096

_SIGNAL_MEANINGS = {
    "SIGSEGV": "segmentation fault: invalid memory access or stack overflow",
    "SIGABRT": "aborted: a failed assertion or an uncaught C++ exception",
    "SIGFPE": "arithmetic error: division by zero",
    "SIGBUS": "bus error",
    "SIGKILL": "killed",
    "SIGILL": "illegal instruction",
}


@dataclass(frozen=True, slots=True)
class Feedback:
    """A case's feedback twice: in full, and as a person may see it for a secret case.

    `redacted` never holds a value from the case's input, its answer, the program's
    output or a validator's message: only where and how the output differs.
    """

    full: str
    redacted: str

    @classmethod
    def public(cls, text: str) -> Feedback:
        """Feedback with nothing secret in it (limits, exit codes, signals)."""
        return cls(text, text)


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
            tuple(self.language.run_argv(self.artifact.file, limits, main=self.artifact.main)),
        )

    @staticmethod
    def problem_limits(settings: Settings, problem: Problem) -> Limits:
        """The problem's limits, with the server's defaults where the package gives none."""
        base = settings.default_limits
        return base.replace(
            cpu_time=problem.time_limit or base.cpu_time,
            memory=problem.memory_limit or base.memory,
            output=problem.output_limit or base.output,
        )

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
            return await self._judge_custom(boxes, case)
        if not self.problem.multi_pass:
            return await self._judge_pass(boxes, case, case.input_path)
        assert boxes.submission is not None, "multi-pass is never submit-answer"
        stdin_copy = self.workspace / f"pass-{boxes.submission.name}.in"
        input_path, in_box = case.input_path, None
        slowest = 0
        for number in range(1, self.problem.validation_passes + 1):
            result = await self._judge_pass(boxes, case, input_path, number == 1, in_box)
            slowest = max(slowest, result.time_ms)
            next_in_box = await asyncio.to_thread(take_next_pass, boxes.feedback_dir, stdin_copy)
            result = dataclasses.replace(result, time_ms=slowest)
            if next_in_box is None:
                return result
            if result.verdict is not Verdict.AC:
                return self._judge_error(case, result, "the output validator wrote nextpass.in "
                                         "but did not accept the pass")  # fmt: skip
            input_path, in_box = stdin_copy, next_in_box
        return self._judge_error(
            case, result, f"the output validator asked for more than validation_passes "
            f"({self.problem.validation_passes}) passes",
        )  # fmt: skip

    def _judge_error(self, case: TestCase, result: CaseResult, why: str) -> CaseResult:
        """A multi-pass rule the package's validator broke: the judge's error (IE)."""
        return dataclasses.replace(result, verdict=Verdict.IE, feedback=f"internal error: {why}",
                                   score=None)  # fmt: skip

    async def _judge_custom(self, boxes: SlotBoxes, case: TestCase) -> CaseResult:
        """A custom-input case: the input validators and the reference solution decide what
        its output is checked against (nothing, when there is no reference)."""
        custom = self.custom
        assert custom is not None, "a run with custom cases has its CustomJudging"
        reference = custom.reference
        if reference is not None and self.problem.validation is Validation.INTERACTIVE:
            # The reference needs the slot's validator box first: one after the other.
            rejected = await custom.validate_input(case)
            if rejected is None:
                assert self.validator is not None and boxes.validator is not None
                partner = (self.validator, boxes.validator, boxes.feedback_dir)
                rejected = await custom.run_reference(reference, case, partner)
            return await self._judge_pass(
                boxes, case, case.input_path, check=rejected is None, rejected=rejected
            )
        # The input validators and the reference run beside the submission, each in its
        # own box (all in the run's kill group); the check waits for their word.
        gate = asyncio.ensure_future(custom.examine(reference, case))
        try:
            return await self._judge_pass(
                boxes, case, case.input_path, check=reference is not None, gate=gate
            )
        finally:
            if not gate.done():
                gate.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await gate

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
        argv = [*self._argv, *case.args]
        if self.testlib_interactor is not None:
            return await self._testlib_interaction(boxes, case, argv, run_limits, limits)
        if self.problem.validation is Validation.INTERACTIVE:
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
            feedback = _validator_feedback(verdict, message)
            # As Kattis judges it: a rejection by a validator that ended first stands (the
            # submission may spin or crash after it, waiting for input); else the
            # submission's own failure (limits, a crash) wins, but a crash does not hide a
            # validator's internal error.
            failure = self._failure(result, limits, case)
            rejected_first = validator_first and verdict is Verdict.WA
            if (
                failure is not None
                and not rejected_first
                and (failure[0] is not Verdict.RTE or verdict is not Verdict.IE)
            ):
                verdict, feedback = failure
            elif not check:
                verdict = Verdict.RAN  # the validator's message stays: it says what happened
            verdict, feedback, score = await self._score(case, verdict, feedback, boxes)
            return self._case_result(case, result, verdict, feedback, output=None, score=score,
                                     rejected=rejected)  # fmt: skip
        # Opened here, following links: packages may link data files (a sample that is also
        # a secret case). One open instead of resolve()'s lstat per path component; the box
        # consumes the fd.
        if self.answers is not None:
            answer = self.answers.get(case.index)
            if answer is None:  # nothing to check: the submission gave no answer for it
                result = _answered(b"")
                feedback = Feedback.public("no answer for this case in the submission")
                verdict, feedback, score = await self._score(case, Verdict.WA, feedback, None)
                return self._case_result(case, result, verdict, feedback, output=None,
                                         score=score)  # fmt: skip
            result = _answered(answer)
        else:
            assert boxes.submission is not None
            cwd = await self._working_directory(boxes, case)
            stdin = os.open(input_path, os.O_RDONLY | os.O_CLOEXEC)
            result = await boxes.submission.run(argv, limits=run_limits, stdin=stdin, cwd=cwd)
        if gate is not None:
            rejected = await gate
            check = check and rejected is None
        failure = self._failure(result, limits, case)
        if failure is not None:
            verdict, feedback, score = await self._score(case, *failure, None)
            return self._case_result(case, result, verdict, feedback, output=result.stdout,
                                     score=score, rejected=rejected)  # fmt: skip
        if not check:
            return self._case_result(case, result, Verdict.RAN, Feedback.public(""),
                                     output=result.stdout, rejected=rejected)  # fmt: skip
        if self.testlib_checker is not None:
            assert boxes.validator is not None
            said = await run_testlib_checker(
                boxes.validator, self.testlib_checker.argv,
                problem_root=self.testlib_checker.problem_root, input_path=input_path,
                answer_path=case.answer_path, output=result.stdout,
                feedback_dir=boxes.feedback_dir, result_file=True,
            )  # fmt: skip
            verdict, feedback = said.verdict, _testlib_feedback(said)
            verdict, feedback, score = self._testlib_score(case, said, feedback)
            return self._case_result(case, result, verdict, feedback, output=result.stdout,
                                     score=score)  # fmt: skip
        if self.validator is not None:
            assert boxes.validator is not None
            await asyncio.to_thread(_write_output, boxes.output_path, result.stdout)
            verdict, message = await run_validator(
                boxes.validator, self.validator.argv, problem_root=self.validator.problem_root,
                input_path=input_path, answer_path=case.answer_path,
                output_path=boxes.output_path, feedback_dir=boxes.feedback_dir,
                flags=self._validator_flags(case), limits=self.validator.limits,
                fresh=fresh, input_in_box=in_box,
            )  # fmt: skip
            feedback = _validator_feedback(verdict, message)
            verdict, feedback, score = await self._score(case, verdict, feedback, boxes)
            return self._case_result(case, result, verdict, feedback, output=result.stdout,
                                     score=score)  # fmt: skip
        elif self.problem.named_checker is not None:
            return await self._named(case, result)
        else:
            flags = case.checker_flags or self.problem.checker_flags
            answer = _small_answer(case.answer_path) if len(result.stdout) <= INLINE_CHECK else None
            if answer is not None:
                # Both small: checking costs less than a trip to a worker thread.
                outcome = check_output(result.stdout, answer, flags)
            else:
                # CPU-bound on the program's output (up to the output limit): off the event
                # loop, so other runs' streams and limit watchdogs keep going.
                outcome = await asyncio.to_thread(_check, result.stdout, case.answer_path, flags)
            verdict = Verdict.AC if outcome.accepted else Verdict.WA
            feedback = Feedback(outcome.feedback, outcome.redacted_feedback)
            difference = outcome.difference
        verdict, feedback, score = await self._score(case, verdict, feedback, None)
        return self._case_result(case, result, verdict, feedback, output=result.stdout,
                                 score=score, difference=difference)  # fmt: skip

    async def _named(self, case: TestCase, result: ExecResult) -> CaseResult:
        """One of DMOJ's named checkers (named_checkers.py); linecount's share of the lines
        correct goes through the case score hook as a score multiplier would."""
        named = self.problem.named_checker
        assert named is not None
        said = await asyncio.to_thread(_check_named, named, result.stdout, case.answer_path)
        group = self.problem.group(case.group) if self.problem.scoring else None
        scored_alone = group is not None and group.aggregation != "pass-fail"
        # Partly right (linecount) passes only where the case is scored on its own; in a
        # pass-fail group (a DMOJ batch) or a pass-fail problem it is wrong.
        accepted = said.accepted and (said.fraction is None or scored_alone)
        verdict = Verdict.AC if accepted else Verdict.WA
        feedback = Feedback(said.feedback, said.feedback)  # it quotes no value of the answer
        score = None
        if self.problem.scoring:
            multiplier = repr(said.fraction) if scored_alone and said.fraction is not None else None
            score = case_score(self.problem, case, verdict, score_text=None,
                               multiplier_text=multiplier)  # fmt: skip
        return self._case_result(case, result, verdict, feedback, output=result.stdout,
                                 score=score)  # fmt: skip

    def _validator_flags(self, case: TestCase) -> tuple[str, ...]:
        """The output validator's arguments for a case: its own, else the problem's."""
        assert self.validator is not None
        return case.validator_args if case.validator_args is not None else self.validator.flags

    async def _score(
        self, case: TestCase, verdict: Verdict, feedback: Feedback, boxes: SlotBoxes | None
    ) -> tuple[Verdict, Feedback, float | None]:
        """The case's score (scoring problems); a validator breaking the score rules is IE."""
        if not self.problem.scoring:
            return verdict, feedback, None
        texts: tuple[str | None, str | None] = (None, None)
        if boxes is not None:
            texts = await asyncio.to_thread(read_score_files, boxes.feedback_dir)
        try:
            score = case_score(self.problem, case, verdict, score_text=texts[0],
                               multiplier_text=texts[1])  # fmt: skip
        except ScoreError as error:
            return Verdict.IE, Feedback.public(f"output validator broke the scoring rules: "
                                               f"{error}"), None  # fmt: skip
        return verdict, feedback, score

    def _testlib_score(
        self, case: TestCase, said: TestlibOutcome, feedback: Feedback
    ) -> tuple[Verdict, Feedback, float | None]:
        """The case's score from a testlib checker: its points (exit 7) go through the same
        case score hook as a score.txt; in a pass-fail group (Polygon's complete-group)
        they are ignored, as the group scores as a whole."""
        if not self.problem.scoring:
            return said.verdict, feedback, None
        group = self.problem.group(case.group)
        points = said.points if group is not None and group.aggregation != "pass-fail" else None
        try:
            score = case_score(self.problem, case, said.verdict, multiplier_text=None,
                               score_text=None if points is None else repr(points))  # fmt: skip
        except ScoreError as error:
            return Verdict.IE, Feedback.public(f"{PROBLEM_FAULT}: its points broke the "
                                               f"scoring rules: {error}"), None  # fmt: skip
        return said.verdict, feedback, score

    async def _testlib_interaction(
        self, boxes: SlotBoxes, case: TestCase, argv: list[str], run_limits: Limits,
        limits: Limits,
    ) -> CaseResult:  # fmt: skip
        """A testlib interactor with the program, then the checker on its tout (if any)."""
        interactor = self.testlib_interactor
        assert interactor is not None and boxes.validator is not None
        assert boxes.submission is not None, "interactive is never submit-answer"
        result, said = await run_testlib_interactive(
            boxes.submission, argv, run_limits, boxes.validator, interactor.argv,
            problem_root=interactor.problem_root, input_path=case.input_path,
            answer_path=case.answer_path, feedback_dir=boxes.feedback_dir, result_file=True,
        )  # fmt: skip
        failure = self._failure(result, limits, case)
        checked = None
        program_failed = failure[0] if failure is not None else None
        if self.testlib_checker is not None and said.verdict is Verdict.AC and failure is None:
            checked = await check_tout(
                boxes.validator, self.testlib_checker.argv,
                problem_root=interactor.problem_root, input_path=case.input_path,
                answer_path=case.answer_path, feedback_dir=boxes.feedback_dir, result_file=True,
            )  # fmt: skip
        outcome = combine_interactive(program_failed, said, checked)
        if outcome is None:
            assert failure is not None
            verdict, feedback, score = await self._score(case, *failure, None)
            return self._case_result(case, result, verdict, feedback, output=None, score=score)
        verdict, feedback, score = self._testlib_score(case, outcome, _testlib_feedback(outcome))
        return self._case_result(case, result, verdict, feedback, output=None, score=score)

    def _failure(
        self, result: ExecResult, limits: Limits, case: TestCase
    ) -> tuple[Verdict, Feedback] | None:
        """The verdict of a run that did not end normally, or None."""
        status = result.status
        public = Feedback.public
        # The output limit counts stdout and stderr together (Kattis `limits.output`).
        written = len(result.stdout) + result.stderr_size
        if status in (ExecStatus.OK, ExecStatus.NONZERO_EXIT) and written > limits.output:
            return Verdict.OLE, public(
                f"output limit of {limits.output >> 20} MiB exceeded (stdout and stderr together)"
            )
        if status is ExecStatus.OK:
            return None
        if status is ExecStatus.TIME_LIMIT:
            if result.time_limit_kind == "wall":
                return Verdict.TLE, public(
                    f"wall-clock limit of {limits.effective_wall_time:g} s exceeded "
                    "(the program was waiting, e.g. for more input, or sleeping)"
                )
            return Verdict.TLE, public(f"CPU time limit of {limits.cpu_time:g} s exceeded")
        if status is ExecStatus.MEMORY_LIMIT:
            return Verdict.MLE, public(f"memory limit of {limits.memory >> 20} MiB exceeded")
        if status is ExecStatus.OUTPUT_LIMIT:
            return Verdict.OLE, public(f"output limit of {limits.output >> 20} MiB exceeded")
        if status is ExecStatus.INTERNAL_ERROR:
            return Verdict.IE, public(f"internal error of the judge: {result.message}")
        stderr = result.stderr.decode("utf-8", errors="replace")
        if any(marker in stderr for marker in self.language.memory_error_markers):
            memory = f"memory limit of {limits.memory >> 20} MiB exceeded (runtime)"
            return Verdict.MLE, public(memory)
        if result.signal is not None:
            meaning = _SIGNAL_MEANINGS.get(result.signal, "")
            text = f"killed by {result.signal}" + (f" ({meaning})" if meaning else "")
        else:
            text = f"exit code {result.exit_code}"
        # stderr may echo the input: it is part of the full feedback only.
        full = text + ("\n" + _tail(stderr, 1500) if stderr.strip() else "")
        return Verdict.RTE, Feedback(full, text)

    def _visible(self, case: TestCase) -> bool:
        """The one place that decides whether a person may see a case's data and feedback."""
        return case.is_sample or self.settings.reveal_secret

    def _case_result(
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
        visible = self._visible(case)
        shown = feedback.full if visible else feedback.redacted
        cap = self.settings.visible_text_limit
        if case.custom:
            custom = self._custom_result(case, result, verdict, shown, output, rejected)
            if custom.verdict is Verdict.WA and difference is not None:
                # Against the reference's output: the checker's position, as for any case.
                custom = dataclasses.replace(custom, difference=difference)
            return custom
        return CaseResult(
            index=case.index,
            name=case.name,
            verdict=verdict,
            time_ms=round(result.cpu_time * 1000),
            wall_time_ms=round(result.wall_time * 1000),
            memory_kb=result.memory // 1024,
            exit_code=result.exit_code,
            signal=result.signal,
            feedback=shown if verdict is not Verdict.AC else "",
            input=_text(_head(case.input_path, cap), cap) if visible else None,
            answer=_text(_head(case.answer_path, cap), cap) if visible else None,
            output=_text(output, cap) if visible and output is not None else None,
            score=score,
            # Positions in the program's own output and a value-free kind (what `redacted`
            # says in words): shown for secret cases too. Only with the WA it explains.
            difference=difference if verdict is Verdict.WA else None,
        )

    def _custom_result(
        self,
        case: TestCase,
        result: ExecResult,
        verdict: Verdict,
        feedback: str,
        output: bytes | None,
        rejected: str | None,
    ) -> CaseResult:
        """A custom-input case: the person's own input, so everything about the run is shown."""
        cap = self.settings.visible_text_limit
        reference = self.custom.reference if self.custom is not None else None
        judged = reference is not None and rejected is None
        if rejected is not None:
            verdict = Verdict.RAN  # an input outside the problem: nothing to judge against
            feedback = rejected + (f"; your program: {feedback}" if feedback else "")
        answer = _text(_head(case.answer_path, cap), cap) if judged and output is not None else None
        return CaseResult(
            index=case.index,
            name=case.name,
            verdict=verdict,
            time_ms=round(result.cpu_time * 1000),
            wall_time_ms=round(result.wall_time * 1000),
            memory_kb=result.memory // 1024,
            exit_code=result.exit_code,
            signal=result.signal,
            feedback=feedback if verdict is not Verdict.AC else "",
            input=_text(_head(case.input_path, cap), cap),
            answer=answer,
            output=_text(output, cap) if output is not None else None,
            stderr=_text(result.stderr, cap),
            output_truncated=output is not None and len(output) > cap,
            reference=reference.name if reference is not None else None,
            input_rejected=rejected,
        )


_ANSWER_SLOTS = itertools.count(1)
_FILES_SLOTS = itertools.count(1)


def _answered(answer: bytes) -> ExecResult:
    """A submitted answer as if a program had printed it: no time, no memory, exit 0."""
    return ExecResult(ExecStatus.OK, exit_code=0, signal=None, cpu_time=0.0, wall_time=0.0,
                      memory=0, stdout=answer)  # fmt: skip


def _small_answer(path: Path) -> bytes | None:
    """The answer if it is at most INLINE_CHECK bytes, else None (one open, one read)."""
    with open(path, "rb", buffering=0) as f:
        data = f.read(INLINE_CHECK + 1)
    return data if len(data) <= INLINE_CHECK else None


def _check(output: bytes, answer_path: Path, flags: CheckerFlags) -> CheckOutcome:
    """Read the answer and check the output against it (runs in a worker thread)."""
    return check_output(output, answer_path.read_bytes(), flags)


def _check_named(checker: NamedChecker, output: bytes, answer_path: Path) -> NamedOutcome:
    """Read the answer and judge the output with a named checker (in a worker thread)."""
    return check_named(checker, output, answer_path.read_bytes())


def _validator_feedback(verdict: Verdict, message: str) -> Feedback:
    """A validator's message is shown for samples only: it may quote the answer or the input."""
    if verdict is Verdict.IE:
        redacted = "output validator failed (its message is not shown for secret cases)"
    elif verdict is Verdict.WA:
        redacted = "wrong answer (output validator; its message is not shown for secret cases)"
    else:
        redacted = ""
    return Feedback(message, redacted)


def _testlib_feedback(outcome: TestlibOutcome) -> Feedback:
    """A testlib checker's message is shown for samples only; secret cases say whose fault."""
    if outcome.verdict is Verdict.IE:
        redacted = f"{PROBLEM_FAULT}; its message is not shown for secret cases"
    elif outcome.verdict is Verdict.WA:
        redacted = "wrong answer (checker; its message is not shown for secret cases)"
    else:
        redacted = ""
    return Feedback(outcome.message, redacted)


def _head(path: Path, cap: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(cap + 1)


def _text(data: bytes, cap: int) -> str:
    text = data[:cap].decode("utf-8", errors="replace")
    return text + ("\n… (truncated)" if len(data) > cap else "")


def _tail(text: str, cap: int) -> str:
    text = text.strip()
    return text if len(text) <= cap else "…" + text[-cap:]


def _write_output(path: Path, data: bytes) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
