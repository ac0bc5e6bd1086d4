"""The rule that decides which program of an interactive case ended first (pure)."""

from __future__ import annotations

from judgebox.judging.validators import END_TIE_WINDOW, ended_first
from judgebox.sandbox import ExecResult, ExecStatus


def ended(at: float | None) -> ExecResult:
    return ExecResult(ExecStatus.OK, 0, None, 0.0, 0.0, 0, ended_at=at)


def test_the_earlier_stamp_is_first_when_the_later_end_could_see_it() -> None:
    # The submission ended after the host released its input: it may have seen the EOF.
    assert ended_first(ended(1.0), ended(1.0001), released=1.00005, fallback=False)
    assert not ended_first(ended(1.0001), ended(1.0), released=None, fallback=True)


def test_a_blind_end_within_the_window_is_a_tie_judged_for_the_submission() -> None:
    # Ended on its own before it could see the validator's end, within the window: a tie.
    assert not ended_first(ended(1.0), ended(1.0001), released=1.5, fallback=True)
    late = 1.0 + END_TIE_WINDOW * 2  # outside the window: the validator was first
    assert ended_first(ended(1.0), ended(late), released=1.5, fallback=False)
    assert not ended_first(ended(1.0), ended(1.0), released=1.5, fallback=True)  # same instant


def test_without_stamps_the_fallback_decides() -> None:
    assert ended_first(ended(None), ended(1.0), released=None, fallback=True)
    assert not ended_first(ended(1.0), ended(None), released=None, fallback=False)
