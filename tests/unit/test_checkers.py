"""The default output checker: Kattis conformance cases, feedback wording, edge cases."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from judgebox.judging.checkers import check_output
from judgebox.vocabulary.checker_flags import CheckerFlags, parse_validator_flags
from judgebox.vocabulary.errors import ProblemPackageError

CONFORMANCE = Path(__file__).parent.parent / "data" / "kattis-default-validator"
CASES = sorted(path for path in CONFORMANCE.iterdir() if path.is_dir())
DEFAULT = CheckerFlags()


def test_conformance_copy_is_complete() -> None:
    assert len(CASES) == 24
    assert (CONFORMANCE / "SOURCE.md").is_file()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_kattis_conformance_case(case: Path) -> None:
    args_file = case / "args.txt"
    args = args_file.read_text().split() if args_file.exists() else []
    expected_accepted = int((case / "expected_exit_code.txt").read_text()) == 42
    outcome = check_output(
        (case / "user.out").read_bytes(),
        (case / "judge.ans").read_bytes(),
        parse_validator_flags(args),
    )
    assert outcome.accepted is expected_accepted, outcome.feedback
    assert bool(outcome.feedback) is not expected_accepted


def feedback(output: bytes, answer: bytes, *flags: str) -> str:
    outcome = check_output(output, answer, parse_validator_flags(flags))
    assert not outcome.accepted
    return outcome.feedback


def accepted(output: bytes, answer: bytes, *flags: str) -> bool:
    return check_output(output, answer, parse_validator_flags(flags)).accepted


# --- flags -----------------------------------------------------------------


def test_parse_flags() -> None:
    assert parse_validator_flags([]) == CheckerFlags()
    assert parse_validator_flags(["case_sensitive", "space_change_sensitive"]) == CheckerFlags(
        case_sensitive=True, space_change_sensitive=True
    )
    assert parse_validator_flags(["float_tolerance", "1e-6"]) == CheckerFlags(
        float_absolute_tolerance=1e-6, float_relative_tolerance=1e-6
    )
    flags = parse_validator_flags(
        ["float_absolute_tolerance", "0.5", "float_relative_tolerance", "0.25"]
    )
    assert (flags.float_absolute_tolerance, flags.float_relative_tolerance) == (0.5, 0.25)
    assert parse_validator_flags(["float_relative_tolerance", "0"]).compares_floats


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["case_insensitive"], "'case_insensitive'"),
        (["float_tolerance"], "float_tolerance needs a number"),
        (["float_tolerance", "abc"], "'abc'"),
        (["float_absolute_tolerance", "-1"], "non-negative"),
        (["float_relative_tolerance", "nan"], "non-negative"),
    ],
)
def test_bad_flags_name_the_problem(args: list[str], named: str) -> None:
    with pytest.raises(ProblemPackageError) as error:
        parse_validator_flags(args)
    assert named in error.value.message


# --- verdicts ----------------------------------------------------------------


def test_whitespace_is_lenient_by_default() -> None:
    assert accepted(b"  1\t2\r\n\n3 \x0b\x0c", b"1 2 3\n")
    assert accepted(b"", b"")
    assert accepted(b" \n", b"")
    assert not accepted(b"x", b"")


def test_space_change_sensitive_compares_whitespace_exactly() -> None:
    assert accepted(b"a  b\n", b"a  b\n", "space_change_sensitive")
    assert accepted(b"A  b\n", b"a  B\n", "space_change_sensitive")
    assert not accepted(b"a b\n", b"a  b\n", "space_change_sensitive")
    assert not accepted(b"a b", b"a b\n", "space_change_sensitive")
    assert not accepted(b"a b\n\n", b"a b\n", "space_change_sensitive")
    assert not accepted(b" a b\n", b"a b\n", "space_change_sensitive")
    assert not accepted(b" ", b"", "space_change_sensitive")


def test_case() -> None:
    assert accepted(b"YES", b"yes")
    assert not accepted(b"YES", b"yes", "case_sensitive")
    assert not accepted("É".encode(), "é".encode())  # only ASCII letters fold, as in C's strcasecmp


def test_float_tolerances_follow_kattis() -> None:
    assert accepted(b"1.0000001", b"1", "float_tolerance", "1e-6")
    assert accepted(b"1e2 0x10 -0", b"100 16.0 0", "float_tolerance", "1e-9")
    assert accepted(b"1000.5", b"1000", "float_relative_tolerance", "1e-3")
    assert not accepted(b"1000.5", b"1000", "float_absolute_tolerance", "1e-3")
    assert not accepted(b"nan", b"1", "float_tolerance", "1")
    assert not accepted(b"inf", b"1e308", "float_tolerance", "1")
    # A judge token that is not a finite number is compared as a string.
    assert accepted(b"INF", b"inf", "float_tolerance", "1")
    assert not accepted(b"1e999", b"inf", "float_tolerance", "1")
    assert not accepted(b"1_0", b"10", "float_tolerance", "1")
    # Without a tolerance, numbers are plain tokens.
    assert not accepted(b"1.0", b"1")


# --- feedback wording --------------------------------------------------------


def test_wrong_token_says_line_and_token() -> None:
    assert feedback(b"1 2\n3 4\n5 8\n", b"1 2\n3 4\n5 7\n") == "line 3, token 2: expected 7, got 8"


def test_early_end_and_empty_output() -> None:
    assert (
        feedback(b"Hello \n", b"Hello World!\n") == "output ended early at line 2: expected World!"
    )
    assert feedback(b"", b"42\n") == "the output is empty; expected 42"
    assert feedback(b" \n \n", b"42\n") == "the output has only whitespace; expected 42"


def test_extra_output() -> None:
    assert (
        feedback(b"1\n2\n", b"1\n")
        == "extra output after the last expected token, at line 2, token 1: 2"
    )


def test_float_feedback_gives_difference_and_tolerance() -> None:
    message = feedback(b"1.25", b"1", "float_absolute_tolerance", "0.1")
    assert message == (
        "line 1, token 1: expected 1, got 1.25: "
        "they differ by 0.25, more than the absolute tolerance 0.1"
    )
    assert "expected a number close to 3.14, got pi" in feedback(
        b"pi", b"3.14", "float_tolerance", "1"
    )


def test_whitespace_feedback_names_the_characters() -> None:
    message = feedback(b"a\tb\n", b"a b\n", "space_change_sensitive")
    assert message == "line 1, column 2: whitespace differs: expected a space, got a tab"
    message = feedback(b"a b", b"a b\n", "space_change_sensitive")
    assert (
        message
        == "line 1, column 4: whitespace differs: expected a newline, got the end of the output"
    )
    message = feedback(b"a b\n\n", b"a b\n", "space_change_sensitive")
    assert message == "extra whitespace at the end of the output, at line 2, column 1"
    message = feedback(b"a b\nc", b"a b\n", "space_change_sensitive")
    assert message == "extra output after the last expected token, at line 2, token 1: c"


def test_long_tokens_are_cut_at_a_character_boundary() -> None:
    long_expected = "é" * 100
    message = feedback(("é" * 99 + "e").encode(), long_expected.encode(), "case_sensitive")
    assert "…" in message
    assert "\ufffd" not in message and "\\x" not in message  # no half characters
    assert "first differ at byte 199" in message
    assert len(message) < 200


def test_binary_output_is_shown_escaped_and_short() -> None:
    message = feedback(b"\x00\xff" * 1000, b"42")
    assert message.startswith("line 1, token 1: expected 42, got \\x00\\xff")
    assert message.endswith("…")
    assert len(message) < 120


def test_invalid_utf8_everywhere_does_not_raise() -> None:
    for flags in ([], ["space_change_sensitive"], ["float_tolerance", "1e-3"]):
        assert not accepted(b"\xff\xfe \x80", b"\xff\xfe \x81", *flags)
        assert accepted(b"\xff\xfe \x80", b"\xff\xfe \x80 ", "float_tolerance", "1")


def test_difference_after_a_long_equal_prefix_in_a_later_batch() -> None:
    answer = b"".join(b"%d\n" % number for number in range(400_000))
    output = answer.replace(b"\n399998\n", b"\n399997\n")
    assert feedback(output, answer) == "line 399999, token 1: expected 399998, got 399997"
    message = feedback(output, answer, "space_change_sensitive")
    assert message == "line 399999, token 1: expected 399998, got 399997"


def test_float_differences_across_batches_are_all_checked() -> None:
    answer = b" ".join(b"%d.000" % number for number in range(300_000))
    output = b" ".join(b"%d.0001" % number for number in range(300_000))
    assert accepted(output, answer, "float_absolute_tolerance", "1e-3")
    assert accepted(output, answer, "float_absolute_tolerance", "1e-3", "space_change_sensitive")
    assert not accepted(output + b" 1", answer, "float_absolute_tolerance", "1e-3")


def test_time_is_linear_in_the_output_size() -> None:
    """50 MiB is checked about as fast per byte as 5 MiB (a ratio, not a fixed budget)."""

    def seconds_for(megabytes: int) -> float:
        line = b"123456789 987654321\n"
        answer = line * (megabytes * 2**20 // len(line))
        output = answer.replace(b"\n", b" \n")  # every byte after the first line differs
        started = time.perf_counter()
        assert accepted(output, answer + b"\n")
        return time.perf_counter() - started

    small = min(seconds_for(5) for _ in range(2))
    large = seconds_for(50)
    assert large < 10 * small * 2.0 + 0.5


def test_a_difference_deep_in_a_huge_whitespace_run_is_located() -> None:
    answer = b"a" + b" " * (20 * 2**20) + b"b\n"
    output = b"a" + b" " * (20 * 2**20 - 1) + b"\tb\n"
    message = feedback(output, answer, "space_change_sensitive")
    assert (
        message
        == f"line 1, column {20 * 2**20 + 1}: whitespace differs: expected a space, got a tab"
    )


@pytest.mark.parametrize(
    ("output", "answer", "flags", "expected"),
    [
        (b"1 2\nsecretout\n", b"1 2\nsecretans\n", (), "line 2, token 1: the token differs"),
        (b"1.5\n", b"2.75\n", ("float_tolerance", "0.1"), "line 1, token 1: the number is not"),
        (b"nope\n", b"2.75\n", ("float_tolerance", "0.1"), "line 1, token 1: expected a number"),
        (b"1\nsecretout\n", b"1\n", (), "line 2, token 1: extra output"),
        (b"1\n", b"1\nsecretans\n", (), "line 2: the output ended early"),
        (b"", b"secretans\n", (), "the output is empty"),
        (b"1 secretout", b"1\nsecretans", ("space_change_sensitive",), "line 1, column 2: white"),
        (b"1\n\n", b"1\n", ("space_change_sensitive",), "line 2, column 1: extra whitespace"),
    ],
)
def test_redacted_feedback_says_where_without_values(
    output: bytes, answer: bytes, flags: tuple[str, ...], expected: str
) -> None:
    outcome = check_output(output, answer, parse_validator_flags(flags))
    assert not outcome.accepted and outcome.difference is not None
    redacted = outcome.redacted_feedback
    assert redacted.startswith(expected), redacted
    assert not any(value in redacted for value in ("secret", "1.5", "2.75", "nope", "0.1"))
