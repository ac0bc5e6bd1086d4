"""Feedback of secret cases says where the output differs, never a value (security issue 10/2).

A real problem package (sample + secret cases) judged in the real sandbox: a program that
prints `x` must not learn the answers, one that echoes its input must not learn the inputs,
and a custom validator that writes the answer into judgemessage.txt must not leak it.
Samples, and runs where the operator set reveal_secret, keep the full message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge
from judgebox.problems.package import Problem, load_problem
from judgebox.sandbox import Sandbox
from judgebox.vocabulary.events import CaseResultEvent
from judgebox.vocabulary.verdicts import CaseResult, Difference, Verdict

from .conftest import collect

pytestmark = pytest.mark.anyio

# Distinctive tokens: none of them can appear in a message by chance.
SECRET_INPUTS = ["734519 11", "902217 5"]
SECRET_ANSWERS = ["61881", "77413"]
SAMPLE = ("4 5", "9")

VALIDATOR = """\
import sys
answer = open(sys.argv[2]).read().split()
output = sys.stdin.read().split()
if output == answer:
    sys.exit(42)
with open(sys.argv[3] + "judgemessage.txt", "w") as f:
    f.write("expected " + " ".join(answer) + " for input " + open(sys.argv[1]).read())
sys.exit(43)
"""


def _package(root: Path, *, custom: bool) -> Problem:
    root.mkdir(parents=True)
    (root / "problem.yaml").write_text(
        "name: Secret feedback\n" + ("validation: custom\n" if custom else "")
    )
    for group, pairs in (
        ("sample", [SAMPLE]),
        ("secret", list(zip(SECRET_INPUTS, SECRET_ANSWERS, strict=True))),
    ):
        folder = root / "data" / group
        folder.mkdir(parents=True)
        for i, (given, answer) in enumerate(pairs, 1):
            (folder / f"{i}.in").write_text(given + "\n")
            (folder / f"{i}.ans").write_text(answer + "\n")
    if custom:
        validator = root / "output_validators" / "echo_answer"
        validator.mkdir(parents=True)
        (validator / "validator.py").write_text(VALIDATOR)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return load_problem(root)


@pytest.fixture
def problem(shared_tmp: Path, request: pytest.FixtureRequest) -> Problem:
    return _package(shared_tmp / "secret-feedback" / request.node.name, custom=False)


@pytest.fixture
def custom_problem(shared_tmp: Path, request: pytest.FixtureRequest) -> Problem:
    return _package(shared_tmp / "secret-feedback" / request.node.name, custom=True)


async def _results(judge: Judge, problem: Problem, code: str) -> list[CaseResult]:
    events = await collect(judge, problem, "python3", code)
    return [e.result for e in events if isinstance(e, CaseResultEvent)]


def _secret(results: list[CaseResult]) -> list[CaseResult]:
    secret = [r for r in results if r.name.startswith("secret")]
    assert len(secret) == len(SECRET_ANSWERS)
    return secret


def _sample(results: list[CaseResult]) -> CaseResult:
    return next(r for r in results if r.name.startswith("sample"))


def _leaks(feedback: str) -> list[str]:
    values = [*SECRET_ANSWERS, *(token for line in SECRET_INPUTS for token in line.split())]
    return [value for value in values if value in feedback]


async def test_printing_x_learns_no_answer_but_where(judge: Judge, problem: Problem) -> None:
    results = await _results(judge, problem, "print('x')\n")
    for result in _secret(results):
        assert result.verdict is Verdict.WA
        assert not _leaks(result.feedback), result.feedback
        assert "line 1, token 1" in result.feedback, result.feedback
    sample = _sample(results)
    assert "expected 9" in sample.feedback and "x" in sample.feedback


async def test_echoing_the_input_learns_no_input(judge: Judge, problem: Problem) -> None:
    results = await _results(judge, problem, "print(input())\n")
    for result in _secret(results):
        assert result.verdict is Verdict.WA
        assert result.feedback and not _leaks(result.feedback), result.feedback
    assert "4" in _sample(results).feedback  # the sample's own echo is shown


async def test_stderr_of_a_crash_is_not_shown_for_secret_cases(
    judge: Judge, problem: Problem
) -> None:
    code = "raise SystemExit('input was ' + input())\n"
    for result in _secret(await _results(judge, problem, code)):
        assert result.verdict is Verdict.RTE
        assert "exit code 1" in result.feedback and not _leaks(result.feedback)


async def test_reveal_secret_shows_the_full_message(
    judge: Judge, sandbox: Sandbox, problem: Problem
) -> None:
    revealing = Judge(judge.settings.replace(reveal_secret=True), sandbox)
    secret = _secret(await _results(revealing, problem, "print('x')\n"))
    assert [f"expected {answer}" in r.feedback for r, answer in zip(
        secret, SECRET_ANSWERS, strict=True)] == [True, True]  # fmt: skip


async def test_validator_message_is_not_shown_for_secret_cases(
    judge: Judge, custom_problem: Problem
) -> None:
    results = await _results(judge, custom_problem, "print('x')\n")
    for result in _secret(results):
        assert result.verdict is Verdict.WA
        assert result.feedback and not _leaks(result.feedback), result.feedback
    sample = _sample(results)
    assert sample.verdict is Verdict.WA and "expected 9 for input 4 5" in sample.feedback


async def test_the_checkers_difference_is_sent_without_values(
    judge: Judge, problem: Problem
) -> None:
    """case-result's `difference`: the default checker's position on WA, secret cases too."""
    results = await _results(judge, problem, "print('  ', 1, 'x')\n")
    for result in results:
        assert result.verdict is Verdict.WA
        assert result.difference == Difference("the token differs from the expected one", 1, 1)
        wire = CaseResultEvent(result).to_wire()
        assert wire["difference"] == {
            "kind": "the token differs from the expected one", "line": 1, "token": 1,
            "column": None,
        }  # fmt: skip
        assert not _leaks(json.dumps(wire["difference"]))
    # Whitespace the checker ignores: AC, and no difference (the sample; the secret
    # answers are not sums).
    code = "a, b = map(int, input().split())\nprint(' ', a + b, ' ')\n"
    accepted = _sample(await _results(judge, problem, code))
    assert (accepted.verdict, accepted.difference) == (Verdict.AC, None)


async def test_an_output_validators_wa_has_no_difference(
    judge: Judge, custom_problem: Problem
) -> None:
    results = await _results(judge, custom_problem, "print('x')\n")
    assert [(r.verdict, r.difference) for r in results] == [(Verdict.WA, None)] * 3
