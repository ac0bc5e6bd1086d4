"""Who ended first in an interactive case, decided from the boxes' end stamps (one clock)
and the pipe ends the host holds: the same pair of ends gets the same verdict every time
(tests/data/packages/interactiveorder, found on problemtools' `guess` example)."""

from __future__ import annotations

from pathlib import Path

import pytest

from judgebox.judging.judge import Judge
from judgebox.vocabulary.events import CaseResultEvent
from judgebox.vocabulary.verdicts import Verdict

from .conftest import collect
from .test_packages import copy_package

pytestmark = pytest.mark.anyio

EXITS_AT_ONCE = """#include <stdlib.h>
int main(void) { return 3; }
"""


async def test_ends_within_a_millisecond_get_one_verdict(judge: Judge, shared_tmp: Path) -> None:
    # The validator rejects and exits; the submission, waiting for more, crashes on the EOF
    # microseconds later. Kattis: WA (the validator ended first). By arrival order the
    # verdict flipped between WA and RTE; from the stamps it is WA every time.
    problem = copy_package("interactiveorder", shared_tmp)
    code = (problem.path / "submissions/wrong_answer/crashes_on_eof.c").read_text()
    seen: list[Verdict] = []
    for _ in range(20):
        events = await collect(judge, problem, "c", code)
        seen += [e.result.verdict for e in events if isinstance(e, CaseResultEvent)]
    assert set(seen) == {Verdict.WA}, seen
    # And the other way round: a submission that exits before answering ended first (the
    # validator sees its EOF only after the host has its end): RTE every time.
    seen = []
    for _ in range(20):
        events = await collect(judge, problem, "c", EXITS_AT_ONCE)
        seen += [e.result.verdict for e in events if isinstance(e, CaseResultEvent)]
    assert set(seen) == {Verdict.RTE}, seen


async def test_a_broken_pipe_lets_the_validator_decide(judge: Judge, shared_tmp: Path) -> None:
    # problemtools' guess_random.cc writes on after the validator's rejection and dies of
    # SIGPIPE within microseconds of it: Kattis lets the validator decide (WA), and so do we.
    problem = copy_package("interactiveorder", shared_tmp)
    code = (problem.path / "submissions/wrong_answer/writes_on.c").read_text()
    seen: list[Verdict] = []
    for _ in range(10):
        events = await collect(judge, problem, "c", code)
        seen += [e.result.verdict for e in events if isinstance(e, CaseResultEvent)]
    assert set(seen) == {Verdict.WA}, seen
