"""testlib's exit codes, messages, points and result files, read as testlib.h writes them."""

from __future__ import annotations

from judgebox.judging.testlib import (
    checker_outcome,
    combine_interactive,
    parse_points,
    parse_result_file,
)
from judgebox.sandbox import ExecResult, ExecStatus
from judgebox.vocabulary.verdicts import Verdict


def ended(code: int, stderr: str = "", status: ExecStatus | None = None) -> ExecResult:
    if status is None:
        status = ExecStatus.OK if code == 0 else ExecStatus.NONZERO_EXIT
    return ExecResult(status, code, None, 0.0, 0.0, 0, stderr=stderr.encode())


def test_exit_codes() -> None:
    assert checker_outcome(ended(0, "ok 3 numbers")).verdict is Verdict.AC
    wa = checker_outcome(ended(1, "wrong answer expected 3, found 4"))
    assert (wa.verdict, wa.message) == (Verdict.WA, "wrong answer expected 3, found 4")
    for code in (2, 4, 8):
        pe = checker_outcome(ended(code, "wrong output format Expected integer"))
        assert pe.verdict is Verdict.WA and "presentation error" in pe.message
        assert "Expected integer" in pe.message


def test_fail_is_the_problems_fault() -> None:
    fail = checker_outcome(ended(3, "FAIL answer file is broken"))
    assert fail.verdict is Verdict.IE and fail.problem_fault
    assert "problem's fault" in fail.message and "answer file is broken" in fail.message


def test_points_from_stderr_and_result_file() -> None:
    got = checker_outcome(ended(7, "points 0.25 partial"))
    assert (got.verdict, got.points, got.message) == (Verdict.AC, 0.25, "partial")
    zero = checker_outcome(ended(7, "0"))
    assert (zero.verdict, zero.points) == (Verdict.WA, 0.0)
    xml = '<?xml version="1.0"?><result outcome = "points" points = "12.5">12.5 good</result>'
    assert checker_outcome(ended(7), xml).points == 12.5
    missing = checker_outcome(ended(7, "points nothing"))
    assert missing.verdict is Verdict.IE


def test_result_file_forms() -> None:
    assert parse_result_file("plain message\n") == (None, "plain message", None)
    code, message, points = parse_result_file(
        '<result outcome = "wrong-answer">expected &lt;3&gt;, found &quot;4&quot;</result>'
    )
    assert (code, message, points) == (1, 'expected <3>, found "4"', None)
    wa = checker_outcome(ended(1), '<result outcome="wrong-answer">no</result>')
    assert (wa.verdict, wa.message) == (Verdict.WA, "no")
    # The exit code and the result file disagree: the checker is broken.
    assert checker_outcome(ended(0), '<result outcome="wrong-answer">x</result>').verdict is (
        Verdict.IE
    )


def test_anything_else_is_the_problems_fault() -> None:
    assert checker_outcome(ended(5)).verdict is Verdict.IE
    crashed = ExecResult(ExecStatus.SIGNALED, None, "SIGSEGV", 0, 0, 0, message="killed by SIGSEGV")
    out = checker_outcome(crashed)
    assert out.verdict is Verdict.IE and "SIGSEGV" in out.message and "problem" in out.message
    hung = ExecResult(ExecStatus.TIME_LIMIT, None, "SIGKILL", 9, 9, 0, message="CPU time limit")
    assert checker_outcome(hung).verdict is Verdict.IE


def test_parse_points_rejects_nonsense() -> None:
    assert parse_points("nan") is None and parse_points("-1 x") is None
    assert parse_points("") is None and parse_points("3 a b") == (3.0, "a b")


def test_interactive_combination() -> None:
    ok = checker_outcome(ended(0))
    wa = checker_outcome(ended(1, "too many"))
    fail = checker_outcome(ended(3, "broken"))
    checker_wa = checker_outcome(ended(1, "too slow"))
    assert combine_interactive(Verdict.TLE, fail, None) is fail  # the problem's fault first
    assert combine_interactive(Verdict.TLE, wa, None) is None  # then the program's limits
    assert combine_interactive(Verdict.RTE, wa, None) is wa  # then the interactor's rejection
    assert combine_interactive(Verdict.RTE, ok, None) is None  # then the program's crash
    assert combine_interactive(None, ok, checker_wa) is checker_wa  # then the checker
    assert combine_interactive(None, ok, None) is ok
