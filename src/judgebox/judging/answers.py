"""Submit-answer problems: a submission is the answer files themselves, one per test case.

The spec (problem.yaml `type: submit-answer`) says only that such a submission "consists of
the answers to the test cases". judgebox's mapping, the same for the API, `judgebox run`
and `judgebox verify`: the answer of the case `secret/group1/03` is the submitted file
named `secret.group1.03.out` (its name under data/, `/` written as `.`), else `03.out`
(its last name part) when no other case shares that last part. A single answer (the API's
`code`, or `judgebox run` on one file) is the answer of every case: meant for a problem
with one case. A case with no answer is wrong (WA, "no answer for this case").

No program runs for the submission: its answers are checked as a program's output would be
(output limit, default checker or the package's output validator, sandboxed as always).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from judgebox.languages.table import Language
from judgebox.problems.model import TestCase

ANSWER_LANGUAGE_ID = "answer"
ANSWER_SUFFIX = ".out"

# The `language` of a submit-answer submission: nothing is compiled or run with it.
ANSWER_LANGUAGE = Language(
    id=ANSWER_LANGUAGE_ID,
    name="answer files (submit-answer problems)",
    compiled=False,
    source_file="answer.out",
    extensions=(ANSWER_SUFFIX,),
    compile=None,
    run=("true",),
    version=(),
)


def full_answer_name(case: TestCase) -> str:
    """`secret.group1.03.out` for the case `secret/group1/03`."""
    return case.name.replace("/", ".") + ANSWER_SUFFIX


def short_answer_name(case: TestCase) -> str:
    """`03.out` for the case `secret/group1/03`."""
    return case.name.rsplit("/", 1)[-1] + ANSWER_SUFFIX


def answer_names(cases: Iterable[TestCase]) -> dict[int, tuple[str, ...]]:
    """Each case's index -> the file names that answer it, the preferred one first."""
    cases = list(cases)
    shared = Counter(short_answer_name(c) for c in cases)
    names: dict[int, tuple[str, ...]] = {}
    for case in cases:
        short = short_answer_name(case)
        full = full_answer_name(case)
        names[case.index] = (full,) if shared[short] > 1 or short == full else (full, short)
    return names


def match_answers(
    cases: Iterable[TestCase], files: Mapping[str, str], single: str | None
) -> dict[int, bytes]:
    """Each case's index -> its submitted answer (cases with none are left out)."""
    cases = list(cases)
    if single is not None and not files:
        data = single.encode("utf-8")
        return {case.index: data for case in cases}
    answers: dict[int, bytes] = {}
    for index, names in answer_names(cases).items():
        for name in names:
            if name in files:
                answers[index] = files[name].encode("utf-8")
                break
    return answers
