"""Python's compile step is a syntax check (`python3 -S -B -m py_compile`, languages.toml):
a CE says what and where, and a valid program is judged."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge
from judgebox.problems.package import inline_problem
from judgebox.vocabulary.events import CompileEvent, CompleteEvent
from judgebox.vocabulary.verdicts import Verdict

from .conftest import collect

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("print(\n", 'File "main.py", line 1'),
        ("print(\n", "SyntaxError: '(' was never closed"),
        ("x = 1\0\n", "null bytes"),
        ("# -*- coding: no-such-codec -*-\nprint(1)\n", "unknown encoding"),
    ],
)
async def test_a_syntax_error_is_a_ce_that_says_where(
    judge: Judge, tmp_path: Path, code: str, message: str
) -> None:
    problem = inline_problem([{"input": "", "answer": "1\n"}], tmp_path)
    events = await collect(judge, problem, "python3", code + f"# {time.time_ns()}\n")
    compiled = events[1]
    assert isinstance(compiled, CompileEvent) and not compiled.result.ok
    assert message in compiled.result.output
    complete = events[-1]
    assert isinstance(complete, CompleteEvent) and complete.summary.verdict is Verdict.CE


async def test_valid_python_is_judged(judge: Judge, tmp_path: Path) -> None:
    problem = inline_problem([{"input": "", "answer": "1\n"}], tmp_path)
    events = await collect(judge, problem, "python3", f"print(1)  # {time.time_ns()}\n")
    compiled = events[1]
    assert isinstance(compiled, CompileEvent) and compiled.result.ok
    assert compiled.result.output == ""
    complete = events[-1]
    assert isinstance(complete, CompleteEvent) and complete.summary.verdict is Verdict.AC
