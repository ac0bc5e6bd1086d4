"""DMOJ's built-in checkers that are not a token comparison, as pure functions.

    identical   byte for byte; with pe_allowed, output equal but for whitespace says
                "presentation error" (still wrong)
    rstripped   line by line with trailing whitespace and trailing blank lines ignored
    sorted      the same lines (split_on: lines; blank lines ignored) or the same tokens
                (split_on: whitespace) in any order
    unordered   sorted with split_on: whitespace
    easy        the same characters, counted, ignoring whitespace and letter case
    linecount   line by line (trailing whitespace ignored); each correct line is its share
                of the case's points, and feedback marks each line ✓ or ✗

`standard` and `floats`/`floatsabs`/`floatsrel` are the default checker's flags
(problems/dmoj.py), not here. Written from DMOJ's documentation, not its code.
Pure and CPU-bound on the output: the judge calls `check_named` off the event loop.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from judgebox.problems.model import NamedChecker

# linecount's marks are shown for at most this many lines (the rest are counted).
_MARKS_SHOWN = 200


@dataclass(frozen=True, slots=True)
class NamedOutcome:
    """A named checker's answer: accepted or not, the share of the points, and feedback.

    `fraction` (0..1) is set only when the checker scores a case partially (linecount);
    feedback says nothing of the answer's values, so it is shown for secret cases too.
    """

    accepted: bool
    feedback: str
    fraction: float | None = None


def _lines(data: bytes) -> list[bytes]:
    lines = [line.rstrip() for line in data.split(b"\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def check_named(checker: NamedChecker, output: bytes, answer: bytes) -> NamedOutcome:
    """Judge one output with one of DMOJ's named checkers."""
    name = checker.name
    if name == "identical":
        if output == answer:
            return NamedOutcome(True, "")
        if checker.pe_allowed and output.split() == answer.split():
            return NamedOutcome(False, "presentation error, check your whitespace")
        return NamedOutcome(False, "the output is not identical to the answer")
    if name == "rstripped":
        same = _lines(output) == _lines(answer)
        return NamedOutcome(same, "" if same else "the output differs from the answer")
    if name in ("sorted", "unordered"):
        by_tokens = name == "unordered" or checker.split_on == "whitespace"
        if by_tokens:
            same = sorted(output.split()) == sorted(answer.split())
        else:
            same = sorted(line.split() for line in output.split(b"\n") if line.split()) == sorted(
                line.split() for line in answer.split(b"\n") if line.split()
            )
        what = "tokens" if by_tokens else "lines"
        return NamedOutcome(same, "" if same else f"not the same {what} (in any order)")
    if name == "easy":

        def letters(data: bytes) -> Counter[int]:
            return Counter(b for b in b"".join(data.lower().split()))

        same = letters(output) == letters(answer)
        return NamedOutcome(same, "" if same else "not the same characters")
    if name == "linecount":
        return _linecount(checker, output, answer)
    raise ValueError(f"unknown named checker {name!r}")  # the loader accepts only the above


def _linecount(checker: NamedChecker, output: bytes, answer: bytes) -> NamedOutcome:
    expected, got = _lines(answer), _lines(output)
    if not expected:
        return NamedOutcome(not got, "" if not got else "expected no output")
    marks = [i < len(got) and got[i] == line for i, line in enumerate(expected)]
    correct = sum(marks)
    feedback = f"{correct} of {len(expected)} lines correct"
    if checker.feedback:
        shown = "".join("✓" if mark else "✗" for mark in marks[:_MARKS_SHOWN])
        feedback += f": {shown}" + ("…" if len(marks) > _MARKS_SHOWN else "")
    if correct == len(expected):
        return NamedOutcome(True, feedback)
    if correct == 0:
        return NamedOutcome(False, feedback)
    return NamedOutcome(True, feedback, correct / len(expected))
