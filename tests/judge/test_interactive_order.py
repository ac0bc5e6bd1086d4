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


CRASHES_ON_EOF = "submissions/wrong_answer/crashes_on_eof.c"
WRITES_ON = "submissions/wrong_answer/writes_on.c"


@pytest.mark.parametrize(
    ("source", "runs", "verdict"),
    [
        # The validator rejects and exits; the submission, waiting for more, crashes on the
        # EOF microseconds later. Kattis: WA (the validator ended first). By arrival order
        # the verdict flipped between WA and RTE; from the stamps it is WA every time.
        pytest.param(CRASHES_ON_EOF, 20, Verdict.WA, id="validator-first"),
        # A submission that exits before answering ended first (the validator sees its EOF
        # only after the host has its end): RTE every time.
        pytest.param(EXITS_AT_ONCE, 20, Verdict.RTE, id="submission-first"),
        # problemtools' guess_random.cc writes on after the validator's rejection and dies of
        # SIGPIPE within microseconds of it: Kattis lets the validator decide (WA), so do we.
        pytest.param(WRITES_ON, 10, Verdict.WA, id="broken-pipe"),
    ],
)
async def test_one_pair_of_ends_gets_one_verdict_every_time(
    judge: Judge, shared_tmp: Path, source: str, runs: int, verdict: Verdict
) -> None:
    problem = copy_package("interactiveorder", shared_tmp)
    code = source if source == EXITS_AT_ONCE else (problem.path / source).read_text()
    seen: list[Verdict] = []
    for _ in range(runs):
        events = await collect(judge, problem, "c", code)
        seen += [e.result.verdict for e in events if isinstance(e, CaseResultEvent)]
    assert set(seen) == {verdict}, seen
