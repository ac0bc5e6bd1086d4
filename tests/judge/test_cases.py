"""judging/cases.py: one case judged in a real box, its verdict, and what a person may see."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from pathlib import Path

import pytest

from judgebox.judging.cases import CaseJudge
from judgebox.judging.compilation import compile_source
from judgebox.judging.judge import Judge
from judgebox.problems.package import TestCase, inline_problem
from judgebox.settings import Settings
from judgebox.vocabulary.verdicts import CaseResult, Verdict

pytestmark = pytest.mark.anyio
MIB = 1024 * 1024


def test_problem_limits_take_the_package_values_else_the_settings(tmp_path: Path) -> None:
    settings = Settings(default_time_limit=2.0, default_memory_limit=256 * MIB)
    plain = inline_problem([{"input": "", "answer": ""}], tmp_path / "p")
    limits = CaseJudge.problem_limits(settings, plain)
    assert (limits.cpu_time, limits.memory, limits.output) == (2.0, 256 * MIB, 64 * MIB)
    given = dataclasses.replace(plain, time_limit=0.5, memory_limit=32 * MIB)
    limits = CaseJudge.problem_limits(settings, given)
    assert (limits.cpu_time, limits.memory, limits.effective_wall_time) == (0.5, 32 * MIB, 2.0)


async def _judge_one(
    judge: Judge, code: str, case: dict[str, str], *, secret: bool = False, **problem: object
) -> CaseResult:
    """Compile `code` (python3), then judge one case in a fresh slot of boxes."""
    workspace = judge.sandbox.workspace(f"case-tests-{time.time_ns()}")
    made = inline_problem([case], workspace / "cases")
    made = dataclasses.replace(made, **problem)  # type: ignore[arg-type]
    test_case: TestCase = made.cases[0]
    if secret:
        test_case = dataclasses.replace(test_case, is_sample=False)
    language = judge.languages["python3"]
    artifact = await compile_source(
        judge.sandbox, language, judge.toolchains["python3"].version, code.encode(), "main.py",
        limits=CaseJudge.problem_limits(judge.settings, made), workspace=workspace,
        cache_dir=judge.settings.cache_dir,
    )  # fmt: skip
    assert artifact.result.ok, artifact.result.output
    case_judge = CaseJudge(judge.settings, made, language, artifact, None, workspace)
    async with contextlib.AsyncExitStack() as stack:
        boxes = await case_judge.open_boxes(judge.sandbox, stack, group=f"g{time.time_ns()}")
        return await case_judge.judge_case(boxes, test_case)


async def test_right_output_is_ac_with_the_sample_shown(judge: Judge) -> None:
    result = await _judge_one(judge, "print(sum(map(int, input().split())))",
                              {"input": "1 2\n", "answer": "3\n"})  # fmt: skip
    assert result.verdict is Verdict.AC and result.feedback == ""
    assert (result.input, result.answer, result.output) == ("1 2\n", "3\n", "3\n")


async def test_wrong_output_of_a_secret_case_is_wa_with_nothing_of_the_data(judge: Judge) -> None:
    case = {"input": "hidden-input\n", "answer": "hidden-answer\n"}
    result = await _judge_one(judge, "print('hidden-output')", case, secret=True)
    assert result.verdict is Verdict.WA
    assert result.input is None and result.answer is None and result.output is None
    assert "hidden" not in result.feedback


async def test_a_crash_is_rte_and_its_stderr_shown_only_for_samples(judge: Judge) -> None:
    code = "import sys\nsys.stderr.write('secret-trace')\nsys.exit(3)"
    sample = await _judge_one(judge, code, {"input": "", "answer": ""})
    assert sample.verdict is Verdict.RTE and sample.exit_code == 3
    assert "exit code 3" in sample.feedback and "secret-trace" in sample.feedback
    secret = await _judge_one(judge, code, {"input": "", "answer": ""}, secret=True)
    assert secret.verdict is Verdict.RTE and secret.feedback == "exit code 3"


async def test_a_busy_loop_is_tle_naming_the_cpu_limit(judge: Judge) -> None:
    result = await _judge_one(judge, "while True: pass", {"input": "", "answer": ""},
                              time_limit=0.3)  # fmt: skip
    assert result.verdict is Verdict.TLE
    assert "CPU time limit of 0.3 s exceeded" in result.feedback


async def test_a_memory_error_of_the_runtime_is_mle(judge: Judge) -> None:
    code = "x = bytearray(200 * 1024 * 1024)\nprint(len(x))"
    result = await _judge_one(judge, code, {"input": "", "answer": ""}, memory_limit=64 * MIB)
    assert result.verdict is Verdict.MLE, result
