"""A custom-input case judged: the input validators and the reference solution (custom.py)
decide what the submission's output is checked against (nothing, without a reference).

For an interactive problem the reference needs the slot's validator box first, so the
examination runs before the submission; otherwise it runs beside the submission's run
and the check waits for its word.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Protocol

from judgebox.judging.custom import CustomJudging
from judgebox.judging.validators import ValidatorProgram
from judgebox.problems.model import TestCase
from judgebox.sandbox import Box
from judgebox.vocabulary.verdicts import CaseResult


class CustomPass(Protocol):
    """Run the submission on the case and check it: `check` False, nothing to check
    against; `rejected`, why the input is outside the problem; `gate`, the examination
    to await after the run (why the input is outside the problem, or None)."""

    async def __call__(
        self,
        *,
        check: bool,
        rejected: str | None = None,
        gate: asyncio.Future[str | None] | None = None,
    ) -> CaseResult:
        """The case's result."""
        ...


async def judge_custom_case(
    custom: CustomJudging,
    case: TestCase,
    run_pass: CustomPass,
    *,
    partner: tuple[ValidatorProgram, Box, Path] | None,
) -> CaseResult:
    """One custom-input case (`partner`: an interactive problem's validator, the slot's box
    for it and its feedback directory; None for any other problem)."""
    reference = custom.reference
    if reference is not None and partner is not None:
        # The reference needs the slot's validator box first: one after the other.
        rejected = await custom.validate_input(case)
        if rejected is None:
            rejected = await custom.run_reference(reference, case, partner)
        return await run_pass(check=rejected is None, rejected=rejected)
    # The input validators and the reference run beside the submission, each in its
    # own box (all in the run's kill group); the check waits for their word.
    gate = asyncio.ensure_future(custom.examine(reference, case))
    try:
        return await run_pass(check=reference is not None, gate=gate)
    finally:
        if not gate.done():
            gate.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await gate
