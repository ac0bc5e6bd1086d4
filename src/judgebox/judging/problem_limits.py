"""A problem's limits for its runs: the package's, with the server's defaults where it gives none.

Apart from judging/cases.py so that the compile (which renders {memory_mb} from them)
needs nothing of the case judging (issue 17: the judge imports that during the compile).
"""

from __future__ import annotations

from judgebox.problems.model import Problem
from judgebox.settings import Settings
from judgebox.vocabulary.limits import Limits


def problem_limits(settings: Settings, problem: Problem) -> Limits:
    """The problem's limits, with the server's defaults where the package gives none."""
    base = settings.default_limits
    return base.replace(
        cpu_time=problem.time_limit or base.cpu_time,
        memory=problem.memory_limit or base.memory,
        output=problem.output_limit or base.output,
    )
