"""testlib checkers and interactors (Codeforces Polygon's protocol), through the sandbox.

The protocol, as testlib.h defines it (judgebox bundles no copy: a problem brings its own):

    checker     input output answer [result_file [-appes]]
    interactor  input tout [answer [result_file [-appes]]]   stdin = the program's stdout,
                                                             stdout = the program's stdin

Exit codes: 0 ok, 1 wrong answer, 2 presentation error (wrong output format), 3 FAIL (the
problem's own fault: a broken checker or answer file), 4 "dirt" (extra output: testlib
reports it as a presentation error), 7 points, 8 unexpected end of file. The message is on
stderr (`wrong answer expected 3, found 4`); with a result file it goes there instead, as
plain text or, with `-appes`, as `<result outcome="..." points="...">message</result>`.
With exit 7 the score is the message's first word (`points 0.5 partial`), or the XML's
`points` attribute.

judgebox reads it as: 0 -> AC, 1 -> WA, 2/4/8 -> WA (the message says it was the output's
format), 7 -> the score (AC when above zero, WA at zero), 3 -> IE that names the problem
(never charged to the submission); and any other end of the checker (another exit code, a
signal, a limit) -> IE "the problem's checker failed". The checker runs in its own box and
uid, with its own limits, like a Kattis validator (validators.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from judgebox.judging.validators import (
    FEEDBACK_DIR,
    VALIDATOR_LIMITS,
    box_path,
    read_feedback_file,
    reset_feedback_dir,
)
from judgebox.sandbox import BOX_DIR, Box, ExecResult, ExecStatus
from judgebox.vocabulary.limits import Limits
from judgebox.vocabulary.verdicts import Verdict

OK_EXIT = 0
WA_EXIT = 1
PE_EXIT = 2
FAIL_EXIT = 3
DIRT_EXIT = 4
POINTS_EXIT = 7
UNEXPECTED_EOF_EXIT = 8

CHECKER_DIR = "/checker"  # the checker's programs beside an interactor, in the interactor's box
RESULT_FILE = "result.xml"
TOUT_FILE = "tout"
OUTPUT_FILE = "output"
MESSAGE_LIMIT = 4096
# A checker's stdout is not part of the protocol: a checker that floods it is stopped early.
CHECKER_LIMITS = VALIDATOR_LIMITS.replace(output=1024 * 1024)

PROBLEM_FAULT = "the problem's checker failed (the problem's fault, not the submission's)"
_APPES = re.compile(
    r"<result\b(?P<attrs>[^>]*)>(?P<message>.*?)</result\s*>", re.DOTALL | re.IGNORECASE
)
_ATTR = re.compile(r'([a-zA-Z-]+)\s*=\s*"([^"]*)"')
_OUTCOMES = {
    "accepted": OK_EXIT, "wrong-answer": WA_EXIT, "presentation-error": PE_EXIT,
    "fail": FAIL_EXIT, "points": POINTS_EXIT, "unexpected-eof": UNEXPECTED_EOF_EXIT,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TestlibOutcome:
    """What a testlib checker or interactor said: a verdict, its message, maybe a score."""

    __test__ = False  # not a pytest test class

    verdict: Verdict
    message: str
    points: float | None = None  # only for exit 7

    @property
    def problem_fault(self) -> bool:
        """The checker failed: nothing about the submission may be concluded."""
        return self.verdict is Verdict.IE


def parse_points(message: str) -> tuple[float, str] | None:
    """testlib's points message `0.5 text` (or `points 0.5 text`): the score and the rest."""
    words = message.split(None, 1)
    if words and words[0] == "points":
        words = words[1].split(None, 1) if len(words) > 1 else []
    if not words:
        return None
    try:
        points = float(words[0])
    except ValueError:
        return None
    if not math.isfinite(points) or points < 0:
        return None
    return points, (words[1] if len(words) > 1 else "")


def parse_result_file(text: str) -> tuple[int | None, str, str | None]:
    """A result file: (exit code its outcome means, message, points attribute).

    Plain text (no `-appes`) is the message alone: the exit code is then the process's.
    """
    match = _APPES.search(text)
    if match is None:
        return None, text.strip(), None
    attrs = {key.lower(): value for key, value in _ATTR.findall(match.group("attrs"))}
    outcome = _OUTCOMES.get(attrs.get("outcome", "").strip().lower())
    return outcome, html.unescape(match.group("message")).strip(), attrs.get("points")


def checker_outcome(result: ExecResult, result_text: str | None = None) -> TestlibOutcome:
    """Turn a checker's (or interactor's) end into a verdict, as testlib's codes mean it."""
    stderr = result.stderr.decode("utf-8", errors="replace").strip()
    if result.status not in (ExecStatus.OK, ExecStatus.NONZERO_EXIT):
        detail = result.message or result.status.value
        return TestlibOutcome(Verdict.IE, f"{PROBLEM_FAULT}: {detail}" + _tail(stderr))
    code = result.exit_code
    message, points_attr = stderr, None
    if result_text is not None and result_text.strip():
        claimed, message, points_attr = parse_result_file(result_text)
        if claimed is not None and claimed != code and code != DIRT_EXIT:
            return TestlibOutcome(
                Verdict.IE,
                f"{PROBLEM_FAULT}: it exited with code {code} but its result file says "
                f"outcome {claimed}",
            )
    message = message[:MESSAGE_LIMIT]
    if code == OK_EXIT:
        return TestlibOutcome(Verdict.AC, message)
    if code == WA_EXIT:
        return TestlibOutcome(Verdict.WA, message or "wrong answer (checker)")
    if code in (PE_EXIT, DIRT_EXIT, UNEXPECTED_EOF_EXIT):
        return TestlibOutcome(Verdict.WA, "presentation error (wrong output format)"
                              + (f": {message}" if message else ""))  # fmt: skip
    if code == FAIL_EXIT:
        return TestlibOutcome(Verdict.IE, f"{PROBLEM_FAULT}: FAIL" + _tail(message))
    if code == POINTS_EXIT:
        parsed = parse_points(message)
        if points_attr is not None:
            with contextlib.suppress(ValueError):
                value = float(points_attr)
                if math.isfinite(value) and value >= 0:
                    parsed = (value, parsed[1] if parsed else message)
        if parsed is None:
            return TestlibOutcome(
                Verdict.IE,
                f"{PROBLEM_FAULT}: it exited with 7 (points) but gave no score" + _tail(message),
            )
        points, rest = parsed
        verdict = Verdict.AC if points > 0 else Verdict.WA
        return TestlibOutcome(verdict, rest or f"{points:g} points", points)
    return TestlibOutcome(
        Verdict.IE, f"{PROBLEM_FAULT}: exit code {code} is not a testlib code" + _tail(stderr)
    )


def _tail(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    return "\n" + (text if len(text) <= 500 else "…" + text[-500:])


def read_box_file(directory: Path, name: str, cap: int = MESSAGE_LIMIT) -> str | None:
    """A file a box wrote into `directory`, never following a link, at most `cap` bytes."""
    return read_feedback_file(directory, name, cap)


def _result_args(result_file: bool) -> list[str]:
    return [f"{FEEDBACK_DIR}/{RESULT_FILE}", "-appes"] if result_file else []


def write_output(feedback_dir: Path, data: bytes) -> None:
    """Put the program's output where the checker's box reads it (`/feedback/output`)."""
    path = feedback_dir / OUTPUT_FILE
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


async def run_testlib_checker(
    box: Box,
    argv: list[str],
    *,
    problem_root: Path,
    input_path: Path,
    answer_path: Path,
    output: bytes,
    feedback_dir: Path,
    result_file: bool = False,
    limits: Limits = CHECKER_LIMITS,
) -> TestlibOutcome:
    """Judge one output with a testlib checker: `checker input output answer [result -appes]`."""
    reset_feedback_dir(feedback_dir, box.ctx.uid)
    await asyncio.to_thread(write_output, feedback_dir, output)
    return await _checker(box, argv, OUTPUT_FILE, problem_root, input_path, answer_path,
                          feedback_dir, result_file, limits)  # fmt: skip


async def check_tout(
    box: Box,
    argv: list[str],
    *,
    problem_root: Path,
    input_path: Path,
    answer_path: Path,
    feedback_dir: Path,
    result_file: bool = False,
    limits: Limits = CHECKER_LIMITS,
    cwd: str = CHECKER_DIR,
) -> TestlibOutcome:
    """After an interaction: the checker reads what the interactor wrote (`tout`) as the output.

    It runs in the interactor's box (same uid: it may read `tout` and write its result
    file), from the checker's own program directory, mounted at `cwd`.
    """
    with contextlib.suppress(FileNotFoundError):
        (feedback_dir / RESULT_FILE).unlink()
    return await _checker(box, argv, TOUT_FILE, problem_root, input_path, answer_path,
                          feedback_dir, result_file, limits, cwd)  # fmt: skip


async def _checker(
    box: Box, argv: list[str], output_name: str, problem_root: Path, input_path: Path,
    answer_path: Path, feedback_dir: Path, result_file: bool, limits: Limits,
    cwd: str = BOX_DIR,
) -> TestlibOutcome:  # fmt: skip
    """`checker input /feedback/<output_name> answer [result -appes]`, run and read."""
    full = [
        *argv,
        box_path(problem_root, input_path),
        f"{FEEDBACK_DIR}/{output_name}",
        box_path(problem_root, answer_path),
        *_result_args(result_file),
    ]
    result = await box.run(full, limits=limits, cwd=cwd)
    return checker_outcome(
        result, read_box_file(feedback_dir, RESULT_FILE) if result_file else None
    )


async def run_testlib_interactive(
    submission_box: Box,
    submission_argv: list[str],
    submission_limits: Limits,
    interactor_box: Box,
    interactor_argv: list[str],
    *,
    problem_root: Path,
    input_path: Path,
    answer_path: Path,
    feedback_dir: Path,
    result_file: bool = False,
) -> tuple[ExecResult, TestlibOutcome]:
    """Run the program against `interactor input tout answer [result -appes]`, two pipes."""
    reset_feedback_dir(feedback_dir, interactor_box.ctx.uid)
    to_interactor_r, to_interactor_w = os.pipe2(os.O_CLOEXEC)
    to_program_r, to_program_w = os.pipe2(os.O_CLOEXEC)
    full = [
        *interactor_argv,
        box_path(problem_root, input_path),
        f"{FEEDBACK_DIR}/{TOUT_FILE}",
        box_path(problem_root, answer_path),
        *_result_args(result_file),
    ]
    wall = submission_limits.effective_wall_time + 5.0
    limits = CHECKER_LIMITS.replace(wall_time=wall, cpu_time=max(wall, 30.0))
    # Each run() consumes the fds it is given: the host keeps no pipe end open.
    interactor_task = asyncio.ensure_future(
        interactor_box.run(full, limits=limits, stdin=to_interactor_r, stdout=to_program_w)
    )
    try:
        submission = await submission_box.run(
            submission_argv, limits=submission_limits, stdin=to_program_r, stdout=to_interactor_w
        )
        interactor = await interactor_task
    finally:
        if not interactor_task.done():
            interactor_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await interactor_task
    if interactor.signal == "SIGPIPE":  # the program stopped reading and went away
        return submission, TestlibOutcome(Verdict.WA, "the program stopped reading the replies")
    text = read_box_file(feedback_dir, RESULT_FILE) if result_file else None
    return submission, checker_outcome(interactor, text)


def combine_interactive(
    program_failure: Verdict | None, interactor: TestlibOutcome, checker: TestlibOutcome | None
) -> TestlibOutcome | None:
    """The case's outcome after an interaction, as Polygon orders it.

    A failed interactor is the problem's fault whatever the program did; then the
    program's own limits (the caller's verdict, returned as None here); then the
    interactor's rejection; then the program's crash (None again); then the checker on
    `tout`, or the interactor's own verdict when there is no checker.
    """
    if interactor.problem_fault:
        return interactor
    if program_failure in (Verdict.TLE, Verdict.MLE, Verdict.OLE, Verdict.IE):
        return None
    if interactor.verdict is Verdict.WA:
        return interactor
    if program_failure is not None:
        return None
    if checker is None or interactor.points is not None:
        return interactor
    return checker
