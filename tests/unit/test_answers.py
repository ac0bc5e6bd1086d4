"""Which submitted file answers which case of a submit-answer problem (judging/answers.py)."""

from __future__ import annotations

from pathlib import Path

from judgebox.judging.answers import answer_names, match_answers
from judgebox.problems.model import TestCase


def case(index: int, name: str) -> TestCase:
    return TestCase(index, name, Path("x.in"), Path("x.ans"), name.startswith("sample"))


CASES = [case(1, "sample/1"), case(2, "secret/a/01"), case(3, "secret/b/01"),
         case(4, "secret/b/02")]  # fmt: skip


def test_a_shared_last_name_needs_the_full_name() -> None:
    names = answer_names(CASES)
    assert names[1] == ("sample.1.out", "1.out")
    assert names[2] == ("secret.a.01.out",)  # 01.out would answer two cases
    assert names[4] == ("secret.b.02.out", "02.out")


def test_files_answer_their_cases_and_the_full_name_wins() -> None:
    files = {"secret.a.01.out": "a\n", "02.out": "short\n", "secret.b.02.out": "full\n",
             "01.out": "ambiguous\n", "notes.txt": "x"}  # fmt: skip
    assert match_answers(CASES, files, "") == {2: b"a\n", 4: b"full\n"}


def test_a_single_answer_answers_every_case() -> None:
    assert match_answers(CASES[:1], {}, "42\n") == {1: b"42\n"}
    assert match_answers(CASES, {}, "7") == {i: b"7" for i in (1, 2, 3, 4)}
