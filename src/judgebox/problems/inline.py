"""Inline cases (`[{"name", "input", "answer"}]` in a request) written out as a problem."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from judgebox.problems.model import Problem, TestCase
from judgebox.vocabulary.errors import UsageError


def inline_problem(cases: Sequence[Mapping[str, str]], directory: Path) -> Problem:
    """Write inline cases (`[{"name", "input", "answer"}]`) into `directory` as a problem.

    The one check of inline cases (the server's request model only types them): a
    non-empty list of objects, text that is UTF-8, names non-empty and distinct.
    """
    if isinstance(cases, str | bytes) or not isinstance(cases, Sequence) or not cases:
        raise UsageError(
            'cases must be a non-empty list like [{"input": "1 2\\n", "answer": "3\\n"}]'
        )
    checked: list[tuple[str, bytes, bytes | None]] = []
    for number, case in enumerate(cases):
        where = f"cases[{number}]"
        if not isinstance(case, Mapping):
            raise UsageError(
                f'{where} must be an object like {{"input": "1 2\\n", "answer": "3\\n"}}'
            )
        input_bytes = _inline_text(case, "input", where)
        # No answer: a custom-input case (run, and shown; judging/custom.py).
        answer = None if case.get("answer") is None else _inline_text(case, "answer", where)
        name = case.get("name", str(number + 1))
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"{where}.name must be a non-empty string, or left out")
        _utf8(name, f"{where}.name")
        if any(name == other for other, _, _ in checked):
            raise UsageError(f"{where}.name {name!r} is used twice; give each case its own name")
        checked.append((name, input_bytes, answer))
    directory.mkdir(parents=True, exist_ok=True)
    made: list[TestCase] = []
    for index, (name, input_bytes, answer_bytes) in enumerate(checked, start=1):
        input_path, answer_path = directory / f"{index:04d}.in", directory / f"{index:04d}.ans"
        input_path.write_bytes(input_bytes)
        answer_path.write_bytes(answer_bytes or b"")
        # The client wrote these cases, so they are shown back like samples (with a diff).
        made.append(TestCase(index, name, input_path, answer_path, is_sample=True,
                             custom=answer_bytes is None))  # fmt: skip
    return Problem(
        name="inline", title="Inline cases", path=directory, cases=tuple(made),
        format_version="inline",
    )  # fmt: skip


def _inline_text(case: Mapping[str, object], key: str, where: str) -> bytes:
    value = case.get(key)
    if not isinstance(value, str):
        got = "missing" if key not in case else f"a {type(value).__name__}"
        raise UsageError(f"{where}.{key} must be a string (it is {got})")
    return _utf8(value, f"{where}.{key}")


def _utf8(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{what} is not UTF-8 text (a lone surrogate escape?)") from None
