"""A multi-pass case (Kattis `validation: multi-pass`): the program runs again on the
input the output validator writes (nextpass.in), up to the problem's validation_passes.

The case's time is its slowest pass; a validator that writes a next pass without
accepting the current one, or asks for too many passes, is the judge's error (IE).
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Protocol

from judgebox.judging.validators import take_next_pass
from judgebox.vocabulary.verdicts import CaseResult, Verdict


class OnePass(Protocol):
    """Run and check one pass on `input_path` (`fresh`: the first pass; `in_box`: where
    the validator finds a later pass's input)."""

    async def __call__(self, input_path: Path, fresh: bool, in_box: str | None) -> CaseResult:
        """The pass's result."""
        ...


async def judge_passes(
    one_pass: OnePass,
    input_path: Path,
    *,
    passes: int,
    feedback_dir: Path,
    stdin_copy: Path,
) -> CaseResult:
    """Every pass of one case, from its own input on; the last pass's result."""
    in_box: str | None = None
    slowest = 0
    for number in range(1, passes + 1):
        result = await one_pass(input_path, number == 1, in_box)
        slowest = max(slowest, result.time_ms)
        next_in_box = await asyncio.to_thread(take_next_pass, feedback_dir, stdin_copy)
        result = dataclasses.replace(result, time_ms=slowest)
        if next_in_box is None:
            return result
        if result.verdict is not Verdict.AC:
            return _judge_error(result, "the output validator wrote nextpass.in but did not "
                                "accept the pass")  # fmt: skip
        input_path, in_box = stdin_copy, next_in_box
    return _judge_error(
        result, f"the output validator asked for more than validation_passes ({passes}) passes"
    )


def _judge_error(result: CaseResult, why: str) -> CaseResult:
    """A multi-pass rule the package's validator broke: the judge's error (IE)."""
    return dataclasses.replace(result, verdict=Verdict.IE, feedback=f"internal error: {why}",
                               score=None)  # fmt: skip
