"""testlib checkers and interactors in real boxes: codes, result files, points, and containment."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge
from judgebox.judging.testlib import (
    CHECKER_DIR,
    CHECKER_LIMITS,
    check_tout,
    run_testlib_checker,
    run_testlib_interactive,
)
from judgebox.judging.validators import FEEDBACK_DIR, PROBLEM_DIR, ValidatorProgram
from judgebox.sandbox import BOX_DIR, Box, ExecStatus, Mount, Sandbox
from judgebox.vocabulary.limits import Limits
from judgebox.vocabulary.verdicts import Verdict

pytestmark = pytest.mark.anyio
PROGRAMS = Path(__file__).parent / "testlib_programs"
DATA = Path(__file__).parent.parent / "data"


@dataclass
class Setup:
    root: Path
    feedback: Path
    workspace: Path


@pytest.fixture
def setup(shared_tmp: Path) -> Setup:
    base = shared_tmp / f"testlib-{uuid.uuid4().hex[:8]}"
    root, feedback, workspace = base / "problem", base / "feedback", base / "work"
    for folder in (base, root, workspace):
        folder.mkdir(mode=0o755)
        folder.chmod(0o755)
    (root / "1.in").write_text("1 2\n")
    (root / "1.ans").write_text("3\n")
    return Setup(root, feedback, workspace)


async def prepare(judge: Judge, setup: Setup, source: Path) -> ValidatorProgram:
    return await ValidatorProgram.prepare(
        judge.sandbox, setup.root, source, (), judge.languages, judge.toolchains,
        setup.workspace, judge.settings.cache_dir,
    )  # fmt: skip


@contextlib.asynccontextmanager
async def checker_box(
    sandbox: Sandbox, program: ValidatorProgram, setup: Setup, *extra: Mount
) -> AsyncIterator[Box]:
    setup.feedback.mkdir(mode=0o755, exist_ok=True)
    mounts = [
        Mount(program.artifact.directory, BOX_DIR),
        Mount(setup.root, PROBLEM_DIR),
        Mount(setup.feedback, FEEDBACK_DIR, writable=True),
        *extra,
    ]
    async with sandbox.box(mounts) as box:
        yield box


async def check(
    box: Box, program: ValidatorProgram, setup: Setup, output: str, **kw: object
) -> tuple[Verdict, str, float | None]:
    outcome = await run_testlib_checker(
        box, program.argv, problem_root=setup.root, input_path=setup.root / "1.in",
        answer_path=setup.root / "1.ans", output=output.encode(), feedback_dir=setup.feedback,
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    return outcome.verdict, outcome.message, outcome.points


async def test_python_checker_codes_both_forms(judge: Judge, setup: Setup) -> None:
    program = await prepare(judge, setup, PROGRAMS / "modes_check.py")
    async with checker_box(judge.sandbox, program, setup) as box:
        for result_file in (False, True):
            assert (await check(box, program, setup, "3\n", result_file=result_file))[0] is (
                Verdict.AC
            )
            verdict, message, _ = await check(box, program, setup, "4\n", result_file=result_file)
            assert verdict is Verdict.WA and "expected '3', found '4'" in message
            verdict, message, _ = await check(box, program, setup, "pe", result_file=result_file)
            assert verdict is Verdict.WA and "presentation error" in message
            assert "expected an integer" in message
            verdict, message, points = await check(
                box, program, setup, "points 0.5", result_file=result_file
            )
            assert (verdict, points) == (Verdict.AC, 0.5) and "partial credit" in message
            verdict, message, _ = await check(box, program, setup, "fail", result_file=result_file)
            assert verdict is Verdict.IE and "problem's fault" in message
            assert "the answer file is broken" in message


async def test_crashing_hanging_flooding_checkers_are_contained(judge: Judge, setup: Setup) -> None:
    program = await prepare(judge, setup, PROGRAMS / "modes_check.py")
    quick = CHECKER_LIMITS.replace(cpu_time=1.0, wall_time=3.0)
    async with checker_box(judge.sandbox, program, setup) as box:
        for output in ("crash", "hang", "flood", "code 42"):
            verdict, message, _ = await check(box, program, setup, output, limits=quick)
            assert verdict is Verdict.IE, output
            assert "the problem's checker failed" in message, output
        # The box is still usable afterwards.
        assert (await check(box, program, setup, "3"))[0] is Verdict.AC


async def test_cpp_checker_with_result_file(judge: Judge, setup: Setup) -> None:
    program = await prepare(judge, setup, DATA / "polygon-aplusb" / "files" / "check.cpp")
    async with checker_box(judge.sandbox, program, setup) as box:
        for result_file in (False, True):
            assert (await check(box, program, setup, "3", result_file=result_file))[0] is (
                Verdict.AC
            )
            verdict, message, _ = await check(box, program, setup, "5", result_file=result_file)
            assert (verdict, message) == (Verdict.WA, "expected 3, found 5")
            verdict, message, _ = await check(box, program, setup, "3 3", result_file=result_file)
            assert verdict is Verdict.WA and "extra information" in message


GUESSER = """
lo, hi = 1, 100
while True:
    mid = (lo + hi) // 2
    print(mid, flush=True)
    reply = input().strip()
    if reply == "=":
        break
    if reply == "<":
        hi = mid - 1
    else:
        lo = mid + 1
"""
LINEAR = """
for guess in range(1, 101):
    print(guess, flush=True)
    if input().strip() == "=":
        break
"""
QUITTER = "print(50, flush=True)\n"


async def interact(
    judge: Judge, setup: Setup, code: str, bound: int
) -> tuple[ExecStatus, Verdict, str]:
    guess = DATA / "polygon-guess" / "files"
    (setup.root / "1.in").write_text("100 37\n")
    (setup.root / "1.ans").write_text(f"{bound}\n")
    interactor = await prepare(judge, setup, guess / "interactor.py")
    checker = await prepare(judge, setup, guess / "check.py")
    solution_dir = setup.workspace / f"solution-{uuid.uuid4().hex[:6]}"
    solution_dir.mkdir(mode=0o755)
    (solution_dir / "main.py").write_text(code)
    limits = Limits(cpu_time=2.0)
    async with (
        judge.sandbox.box([Mount(solution_dir, BOX_DIR)]) as program_box,
        checker_box(
            judge.sandbox, interactor, setup, Mount(checker.artifact.directory, CHECKER_DIR)
        ) as box,
    ):
        program, outcome = await run_testlib_interactive(
            program_box, ["/usr/bin/python3", "-B", "main.py"], limits, box, interactor.argv,
            problem_root=setup.root, input_path=setup.root / "1.in",
            answer_path=setup.root / "1.ans", feedback_dir=setup.feedback, result_file=True,
        )  # fmt: skip
        if outcome.verdict is Verdict.AC:
            outcome = await check_tout(
                box, checker.argv, problem_root=setup.root, input_path=setup.root / "1.in",
                answer_path=setup.root / "1.ans", feedback_dir=setup.feedback,
            )  # fmt: skip
    shutil.rmtree(solution_dir, ignore_errors=True)
    return program.status, outcome.verdict, outcome.message


async def test_interactor_and_checker_on_tout(judge: Judge, setup: Setup) -> None:
    status, verdict, message = await interact(judge, setup, GUESSER, bound=7)
    assert (status, verdict) == (ExecStatus.OK, Verdict.AC), message
    # The interactor accepts the linear search, the checker (on tout) rejects it.
    status, verdict, message = await interact(judge, setup, LINEAR, bound=7)
    assert verdict is Verdict.WA and "more than 30 guesses" in message
    status, verdict, message = await interact(judge, setup, LINEAR.replace("1, 101", "30, 101"), 7)
    assert verdict is Verdict.WA and "8 guesses, at most 7" in message
    # The program stops early: the interactor reports an unexpected end of file, found
    # either reading its next guess or writing a reply to a pipe nobody reads (a race).
    status, verdict, message = await interact(judge, setup, QUITTER, bound=7)
    assert verdict is Verdict.WA and "unexpected end of file: the program stopped" in message
