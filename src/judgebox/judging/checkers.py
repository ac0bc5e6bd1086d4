"""Output checking with the semantics of Kattis's default output validator.

Pure functions on bytes: `check_output(output, answer, flags)` compares the
program's output with the judge's answer token by token, the way
problemtools' `default_validator.cc` does:

- tokens are runs of bytes other than ASCII whitespace (space, \\t, \\n, \\r,
  \\v, \\f); by default any amount of whitespace separates them, and trailing
  whitespace is ignored;
- `case_sensitive`: tokens must match exactly, else ASCII case is ignored;
- `space_change_sensitive`: whitespace must match byte for byte too;
- `float_tolerance X` / `float_absolute_tolerance X` / `float_relative_tolerance X`:
  where the judge's token is a finite number (C `strtod` syntax, hex floats
  included; `inf` and `nan` are compared as strings), the program's token must
  be a finite number within the absolute *or* the relative tolerance;
- any token after the last expected one is a wrong answer.

Large outputs are compared in batches of about a MiB, so time is linear and
memory stays bounded; the exact place of a difference is computed only once
one is found.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from judgebox.vocabulary.checker_flags import CheckerFlags
from judgebox.vocabulary.verdicts import Difference

_BATCH_BYTES = 1 << 20
_SHOWN_CHARACTERS = 60
_WHITESPACE = b" \t\n\r\x0b\x0c"
_WHITESPACE_BYTES = [bytes([byte]) for byte in _WHITESPACE]
_SPLIT_KEEPING_WHITESPACE = re.compile(rb"([ \t\n\r\x0b\x0c]+)")
_HEXADECIMAL = re.compile(
    rb"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?"
)
_WHITESPACE_NAMES = {
    32: "a space", 9: "a tab", 10: "a newline", 13: "a carriage return",
    11: "a vertical tab", 12: "a form feed",
}  # fmt: skip
_CONTROL_ESCAPES = {c: f"\\x{c:02x}" for c in [*range(32), 127]}


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """The checker's verdict: accepted or not, and feedback a person can act on.

    `feedback` quotes tokens of the answer and of the output (for samples, or when the
    operator reveals secrets); `difference` says where without values (for secret cases).
    """

    accepted: bool
    feedback: str
    difference: Difference | None = None

    @property
    def redacted_feedback(self) -> str:
        """The feedback without any value from the answer, the output or the input."""
        return self.difference.describe() if self.difference is not None else ""


_EXACT = CheckerFlags(case_sensitive=True, space_change_sensitive=True)


def check_output(output: bytes, answer: bytes, flags: CheckerFlags) -> CheckOutcome:
    """Compare a program's output with the judge's answer like Kattis's default validator."""
    if output == answer:
        return CheckOutcome(True, "")
    # Everything before the token holding the first differing byte is equal: skip it in C.
    start = _token_start_before(answer, _common_prefix_length(output, answer))
    if flags.space_change_sensitive:
        index = _first_difference(
            _piece_batches(answer, start, flags),
            _piece_batches(output, start, flags),
            lambda index, j, u: _pieces_match(index, j, u, flags),
        )
        describe = _describe_piece_mismatch
    else:
        index = _first_difference(
            _token_batches(answer, start, flags),
            _token_batches(output, start, flags),
            lambda _, j, u: _tokens_match(j, u, flags),
        )
        describe = _describe_token_mismatch
    if index is None:
        return CheckOutcome(True, "")
    feedback, difference = describe(output, answer, start, index, flags)
    return CheckOutcome(False, feedback, difference)


def _common_prefix_length(first: bytes, second: bytes, step: int = 1 << 16) -> int:
    """How many leading bytes the two have in common (memcmp in blocks, then bisection)."""
    low, length = 0, min(len(first), len(second))
    while low < length and first[low : low + step] == second[low : low + step]:
        low += step
    high = min(low + step, length)
    while low < high:
        middle = (low + high) // 2
        if first[low : middle + 1] == second[low : middle + 1]:
            low = middle + 1
        else:
            high = middle
    return min(low, length)


def _token_start_before(data: bytes, offset: int) -> int:
    """Just after the last whitespace byte before `offset` (0 if none)."""
    return max(data.rfind(byte, 0, offset) for byte in _WHITESPACE_BYTES) + 1


def _batch_bounds(data: bytes, start: int) -> Iterator[tuple[int, int]]:
    """Slices of about a MiB that end after a whitespace run (so no token or run is cut)."""
    while start < len(data):
        end = _end_of_next_whitespace_run(data, min(start + _BATCH_BYTES, len(data)))
        yield start, end
        start = end


def _next_whitespace(data: bytes, position: int) -> int:
    """The first whitespace byte at or after `position`, or the end of the data."""
    # bytes.find and lstrip scan at memchr speed; a regex character class is ten times slower.
    window = _BATCH_BYTES
    while position < len(data):
        hits = [data.find(byte, position, position + window) for byte in _WHITESPACE_BYTES]
        if any(hit >= 0 for hit in hits):
            return min(hit for hit in hits if hit >= 0)
        position, window = position + window, window * 2
    return len(data)


def _end_of_next_whitespace_run(data: bytes, position: int) -> int:
    """Just after the first whitespace run at or after `position`, or the end of the data."""
    position, window = _next_whitespace(data, position), _BATCH_BYTES
    while position < len(data):
        block = data[position : position + window]
        rest = block.lstrip(_WHITESPACE)
        position += len(block) - len(rest)
        if rest:
            break
        window *= 2
    return min(position, len(data))


def _token_starting_at(data: bytes, position: int) -> bytes:
    return data[position : _next_whitespace(data, position)]


def _token_batches(data: bytes, start: int, flags: CheckerFlags) -> Iterator[list[bytes]]:
    for begin, end in _batch_bounds(data, start):
        chunk = data[begin:end]
        yield (chunk if flags.case_sensitive else chunk.lower()).split()


def _piece_bounds(data: bytes, start: int) -> list[tuple[int, int]]:
    return list(_batch_bounds(data, start)) or [(start, start)]


def _piece_batches(data: bytes, start: int, flags: CheckerFlags) -> Iterator[list[bytes]]:
    """Alternating token / whitespace pieces from `start`; the first is a token (maybe empty)."""
    for begin, end in _piece_bounds(data, start):
        chunk = data[begin:end]
        pieces = _SPLIT_KEEPING_WHITESPACE.split(chunk if flags.case_sensitive else chunk.lower())
        if end < len(data):
            pieces.pop()  # the empty token after the batch's final whitespace run
        yield pieces


def _first_difference(
    judge: Iterator[list[bytes]],
    user: Iterator[list[bytes]],
    same: Callable[[int, bytes, bytes], bool],
) -> int | None:
    """Index of the first pair of items that are not `same` or where one side ended, or None."""
    judge_items: list[bytes] = []
    user_items: list[bytes] = []
    base = 0
    while True:
        judge_items = judge_items or next((batch for batch in judge if batch), [])
        user_items = user_items or next((batch for batch in user if batch), [])
        if not judge_items or not user_items:
            return base if judge_items or user_items else None
        count = min(len(judge_items), len(user_items))
        judge_part, user_part = judge_items[:count], user_items[:count]
        if judge_part != user_part:  # compared in C; the Python loop runs only where they differ
            for offset, (j, u) in enumerate(zip(judge_part, user_part, strict=True)):
                if j != u and not same(base + offset, j, u):
                    return base + offset
        base += count
        judge_items, user_items = judge_items[count:], user_items[count:]


def _parse_float(token: bytes) -> float | None:
    """The token's value when it is a finite number in C `strtod` syntax, else None."""
    try:
        value = float(token)  # fast, and a superset of strtod's decimal syntax but for "1_0"
    except ValueError:
        if not _HEXADECIMAL.fullmatch(token):
            return None
        try:
            value = float.fromhex(token.decode("ascii"))
        except OverflowError:
            return None
    else:
        if b"_" in token:
            return None
    return value if math.isfinite(value) else None


def _within_tolerance(expected: float, got: float, flags: CheckerFlags) -> bool:
    difference = abs(expected - got)
    absolute, relative = flags.float_absolute_tolerance, flags.float_relative_tolerance
    return (absolute is not None and difference <= absolute) or (
        relative is not None and difference <= relative * abs(expected)
    )


def _tokens_match(judge: bytes, user: bytes, flags: CheckerFlags) -> bool:
    """Whether two tokens (already lower-cased unless case sensitive) that differ still match."""
    expected = _parse_float(judge) if flags.compares_floats else None
    if expected is None:
        return False
    got = _parse_float(user)
    return got is not None and _within_tolerance(expected, got, flags)


def _pieces_match(index: int, judge: bytes, user: bytes, flags: CheckerFlags) -> bool:
    if index % 2 or not judge or not user:  # whitespace, or a token where the other has none
        return False
    return _tokens_match(judge, user, flags)


_EXTRA_OUTPUT = "extra output after the last expected token"


def _describe_token_mismatch(
    output: bytes, answer: bytes, start: int, index: int, flags: CheckerFlags
) -> tuple[str, Difference]:
    expected = _token_at(answer, start, index)
    got = _token_at(output, start, index)
    if got is None:
        return _describe_early_end(output, expected[1] if expected else b"")
    line, token = _position(output, got[0])
    if expected is None:
        where = _where(output, got[0])
        return (
            f"{_EXTRA_OUTPUT}, at {where}: {_show(got[1])}",
            Difference(_EXTRA_OUTPUT, line, token),
        )
    return (
        f"{_where(output, got[0])}: {_describe_tokens(expected[1], got[1], flags)}",
        Difference(_token_kind(expected[1], got[1], flags), line, token),
    )


def _describe_piece_mismatch(
    output: bytes, answer: bytes, start: int, index: int, flags: CheckerFlags
) -> tuple[str, Difference]:
    judge_at, judge_piece = _piece_at(answer, start, index)
    user_at, user_piece = _piece_at(output, start, index)
    if index % 2 == 0 and judge_piece and user_piece:
        line, token = _position(output, user_at)
        return (
            f"{_where(output, user_at)}: {_describe_tokens(judge_piece, user_piece, flags)}",
            Difference(_token_kind(judge_piece, user_piece, flags), line, token),
        )
    if index % 2 == 0 and judge_piece and user_at == len(output):
        return _describe_early_end(output, judge_piece)
    # The first differing byte inside the whitespace run (or where a run is missing).
    common = _common_prefix_length(judge_piece, user_piece)
    judge_at, user_at = judge_at + common, user_at + common
    line, column = _line_column(output, user_at)
    if judge_at == len(answer) and user_at < len(output):
        if output[user_at] in _WHITESPACE:
            kind = "extra whitespace at the end of the output"
            where = _where(output, user_at, column=True)
            return f"{kind}, at {where}", Difference(kind, line, column=column)
        shown = _show(_token_starting_at(output, user_at))
        line, token = _position(output, user_at)
        return (
            f"{_EXTRA_OUTPUT}, at {_where(output, user_at)}: {shown}",
            Difference(_EXTRA_OUTPUT, line, token),
        )
    return (
        f"{_where(output, user_at, column=True)}: whitespace differs: expected "
        f"{_describe_byte_at(answer, judge_at)}, got {_describe_byte_at(output, user_at)}",
        Difference("whitespace differs", line, column=column),
    )


def _describe_early_end(output: bytes, expected: bytes) -> tuple[str, Difference]:
    if not output:
        kind = "the output is empty"
        return f"{kind}; expected {_show(expected)}", Difference(kind)
    if not output.strip(_WHITESPACE):
        kind = "the output has only whitespace"
        return f"{kind}; expected {_show(expected)}", Difference(kind)
    line = output.count(b"\n") + 1
    return (
        f"output ended early at line {line}: expected {_show(expected)}",
        Difference("the output ended early, more tokens were expected", line),
    )


def _token_kind(expected: bytes, got: bytes, flags: CheckerFlags) -> str:
    """How two tokens differ, in words that quote neither."""
    if flags.compares_floats and _parse_float(expected) is not None:
        if _parse_float(got) is None:
            return "expected a number, got a token that is not one"
        return "the number is not within the allowed tolerance"
    return "the token differs from the expected one"


def _describe_tokens(expected: bytes, got: bytes, flags: CheckerFlags) -> str:
    value = _parse_float(expected) if flags.compares_floats else None
    if value is None:
        same_start = _common_prefix_length(expected, got)
        if same_start < _SHOWN_CHARACTERS // 2:
            return f"expected {_show(expected)}, got {_show(got)}"
        return (
            f"expected {_show(expected)}, got {_show(got)} "
            f"(the tokens first differ at byte {same_start + 1})"
        )
    got_value = _parse_float(got)
    if got_value is None:
        return f"expected a number close to {_show(expected)}, got {_show(got)}"
    absolute, relative = flags.float_absolute_tolerance, flags.float_relative_tolerance
    if absolute == relative:
        allowed = f"the absolute or relative tolerance {absolute:g}"
    elif relative is None:
        allowed = f"the absolute tolerance {absolute:g}"
    elif absolute is None:
        allowed = f"the relative tolerance {relative:g} (here {relative * abs(value):g})"
    else:
        allowed = (
            f"both the absolute tolerance {absolute:g} and the relative tolerance {relative:g}"
        )
    return (
        f"expected {_show(expected)}, got {_show(got)}: they differ by "
        f"{abs(value - got_value):.6g}, more than {allowed}"
    )


def _token_at(data: bytes, start: int, index: int) -> tuple[int, bytes] | None:
    """Byte offset and text of the index-th token from `start`, or None past the end."""
    seen = 0
    for begin, end in _batch_bounds(data, start):
        tokens = data[begin:end].split()
        if index < seen + len(tokens):
            position = begin
            for token in tokens[: index - seen]:
                position = data.find(token, position) + len(token)
            wanted = tokens[index - seen]
            return data.find(wanted, position), wanted
        seen += len(tokens)
    return None


def _piece_at(data: bytes, start: int, index: int) -> tuple[int, bytes]:
    """Byte offset and text of the index-th piece from `start` (empty past the end)."""
    seen = 0
    starts = [begin for begin, _ in _piece_bounds(data, start)]
    for begin, pieces in zip(starts, _piece_batches(data, start, _EXACT), strict=True):
        if index < seen + len(pieces):
            return begin + sum(map(len, pieces[: index - seen])), pieces[index - seen]
        seen += len(pieces)
    return len(data), b""


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (in bytes) of a byte offset, counting from 1."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and token index within the line of a byte offset, counting from 1."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[line_start:offset].split()) + 1


def _where(data: bytes, offset: int, *, column: bool = False) -> str:
    """`line L, token T` (or `line L, column C`) of a byte offset, counting from 1."""
    if column:
        line, at = _line_column(data, offset)
        return f"line {line}, column {at}"
    line, token = _position(data, offset)
    return f"line {line}, token {token}"


def _describe_byte_at(data: bytes, offset: int) -> str:
    if offset >= len(data):
        return "the end of the output"
    if data[offset] in _WHITESPACE:
        return _WHITESPACE_NAMES[data[offset]]
    return _show(_token_starting_at(data, offset))


def _show(token: bytes) -> str:
    """The token as text (bytes that are not UTF-8 as \\xNN), shortened with an ellipsis."""
    # A character takes at most 4 bytes, so this prefix holds enough characters to show;
    # cutting the decoded text (not the bytes) never splits a UTF-8 character.
    prefix = token[: 4 * _SHOWN_CHARACTERS]
    text = prefix.decode("utf-8", "backslashreplace").translate(_CONTROL_ESCAPES)
    if len(text) <= _SHOWN_CHARACTERS and len(prefix) == len(token):
        return text
    cut = _SHOWN_CHARACTERS
    escape = text.rfind("\\", cut - 3, cut)  # do not cut a \\xNN escape in two
    return text[: escape if escape >= 0 else cut] + "…"


__all__ = ["CheckOutcome", "CheckerFlags", "Difference", "check_output"]
