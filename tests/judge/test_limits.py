"""The spec's limits in the real sandbox: output counts stdout and stderr; the inferred
time limit is decided once, used by every run, and cached on disk by package content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge
from judgebox.judging.timelimits import (
    RULE_VERSION,
    TimeLimits,
    choose_limit,
    content_key,
    rule_version,
)
from judgebox.problems.package import Problem, load_problem
from judgebox.sandbox import Sandbox
from judgebox.vocabulary.errors import ProblemPackageError
from judgebox.vocabulary.events import CaseResultEvent, CompleteEvent
from judgebox.vocabulary.verdicts import CaseResult

from .conftest import collect

pytestmark = pytest.mark.anyio


def package(root: Path, files: dict[str, str]) -> Problem:
    shutil.rmtree(root, ignore_errors=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return load_problem(root)


async def test_stdout_and_stderr_count_together(judge: Judge, shared_tmp: Path) -> None:
    problem = package(
        shared_tmp / "limits" / "ole",
        {
            "problem.yaml": "problem_format_version: 2025-09\nlimits:\n  time_limit: 2\n"
            "  output: 1\n",
            "data/secret/1.in": "", "data/secret/1.ans": "x\n",
        },
    )  # fmt: skip
    half = "import sys\nprint('x')\nsys.stdout.write(' ' * 600000)\n"
    both = half + "sys.stderr.write('e' * 600000)\n"
    (ok,) = [e for e in await collect(judge, problem, "python3", half)
             if isinstance(e, CaseResultEvent)]  # fmt: skip
    assert ok.result.verdict.value == "AC"
    (over,) = [e for e in await collect(judge, problem, "python3", both)
               if isinstance(e, CaseResultEvent)]  # fmt: skip
    assert over.result.verdict.value == "OLE", over.result.feedback
    assert "stdout and stderr together" in over.result.feedback


INFERRED = {
    "problem.yaml": "problem_format_version: 2025-09\nname: Inferred\n",
    "data/sample/1.in": "1\n", "data/sample/1.ans": "1\n",
    "data/secret/1.in": "2\n", "data/secret/1.ans": "2\n",
    "submissions/accepted/echo.py": "print(input())\n",
}  # fmt: skip


async def test_inferred_time_limit_is_used_by_runs_and_cached_on_disk(
    judge: Judge, sandbox: Sandbox, shared_tmp: Path
) -> None:
    problem = package(shared_tmp / "limits" / "inferred", INFERRED)
    assert problem.time_limit is None
    assert judge.time_limits.known(problem) is None
    events = await collect(judge, problem, "python3", "print(input())\n")
    assert isinstance(events[-1], CompleteEvent) and events[-1].summary.verdict.value == "AC"
    known = judge.time_limits.known(problem)
    assert known is not None and known.source == "inferred"
    # an echo takes far under 0.5 s: 2.0 x that, in steps of 1 s, is 1 s
    assert known.seconds == 1.0 and "slowest accepted" in known.detail
    # another judge (a restarted server) reads it from the cache dir without judging
    other = Judge(judge.settings, sandbox)

    async def must_not_judge(*_: object) -> None:
        raise AssertionError("the cached limit was not used")

    again = await other.time_limits.resolve(problem, must_not_judge)
    assert again == known
    # A judgebox whose rule changed (another RULE_VERSION or package version) does not
    # read it: it was keyed by the package's content only, and an old limit stayed.
    assert judge.time_limits.rule == rule_version() and RULE_VERSION in rule_version()
    changed = TimeLimits(judge.settings.cache_dir, judge.settings.default_time_limit, "older")
    judged: list[Path] = []

    async def judge_file(probe: Problem, path: Path, stop: bool) -> list[CaseResult] | None:
        judged.append(path)
        return await judge._judge_file(probe, path, stop)

    found = await changed.resolve(problem, judge_file)  # found again by judging
    assert (found.seconds, found.source) == (known.seconds, known.source)
    assert [p.name for p in judged] == ["echo.py"]
    assert content_key(problem, "older") != content_key(problem)


def test_the_spec_rule_for_the_limit(tmp_path: Path) -> None:
    problem = package(tmp_path / "p", {**INFERRED, "problem.yaml": (
        "problem_format_version: 2025-09\nlimits:\n  time_resolution: 0.5\n"
    )})  # fmt: skip
    assert choose_limit(problem, 0.3, None).seconds == 1.0  # 0.6 -> next multiple of 0.5
    assert choose_limit(problem, 0.2, None).seconds == 0.5
    assert choose_limit(problem, 0.0, None).seconds == 0.5
    assert choose_limit(problem, 0.3, 1.5).seconds == 1.0  # 1.0 x 1.5 <= 1.5
    with pytest.raises(ProblemPackageError, match="no time limit fits"):
        choose_limit(problem, 0.3, 1.4)
