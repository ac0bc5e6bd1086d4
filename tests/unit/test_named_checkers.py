"""DMOJ's named checkers as pure functions: what each accepts and rejects."""

from __future__ import annotations

import pytest

from judgebox.judging.named_checkers import check_named
from judgebox.problems.model import NamedChecker


@pytest.mark.parametrize(
    ("checker", "output", "answer", "accepted"),
    [
        (NamedChecker("identical"), b"1 2\n", b"1 2\n", True),
        (NamedChecker("identical"), b"1  2\n", b"1 2\n", False),
        (NamedChecker("rstripped"), b"a  \nb\n\n\n", b"a\nb\n", True),
        (NamedChecker("rstripped"), b" a\nb\n", b"a\nb\n", False),
        (NamedChecker("sorted"), b"2 x\n\n1 y\n", b"1 y\n2 x\n", True),
        (NamedChecker("sorted"), b"2 1\n", b"1 2\n", False),
        (NamedChecker("sorted", split_on="whitespace"), b"2 1\n", b"1\n2\n", True),
        (NamedChecker("unordered"), b"3 1 2", b"1 2 3\n", True),
        (NamedChecker("unordered"), b"3 1 1", b"1 2 3\n", False),
        (NamedChecker("easy"), b"Hello World", b"dlrow olleh", True),
        (NamedChecker("easy"), b"Hello", b"Help", False),
    ],
)
def test_named_checkers(
    checker: NamedChecker, output: bytes, answer: bytes, accepted: bool
) -> None:
    assert check_named(checker, output, answer).accepted is accepted


def test_identical_says_presentation_error_only_when_allowed() -> None:
    said = check_named(NamedChecker("identical"), b"1  2", b"1 2")
    assert "presentation error" in said.feedback
    said = check_named(NamedChecker("identical", pe_allowed=False), b"1  2", b"1 2")
    assert "presentation" not in said.feedback


def test_linecount_scores_the_share_of_correct_lines_and_marks_them() -> None:
    said = check_named(NamedChecker("linecount"), b"1\nx\n3\n4\n", b"1\n2\n3\n4\n")
    assert (said.accepted, said.fraction) == (True, 0.75)
    assert said.feedback == "3 of 4 lines correct: ✓✗✓✓"
    quiet = check_named(NamedChecker("linecount", feedback=False), b"x\n", b"1\n")
    assert (quiet.accepted, quiet.feedback) == (False, "0 of 1 lines correct")
    assert check_named(NamedChecker("linecount"), b"1\n2\n", b"1\n2\n").fraction is None
