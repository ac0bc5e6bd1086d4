"""The time limit of a package that states none: inferred from its submissions, once, cached.

Kattis "Timelimit inference": submissions that may not time out (accepted,
wrong_answer, run_time_error) give a lower bound, `T_ac * ac_to_time_limit`; those
that must (time_limit_exceeded) an upper bound, `T_tle / time_limit_to_tle`. The
limit is the smallest multiple of `time_resolution` at or above the lower bound; it
is the package's error when that is over the upper bound. T is the slowest CPU time
over a submission's cases, run under a generous probe limit.

The one place that decides a run's time limit (the server, `judgebox run` and
`judgebox verify` all judge through `Judge`, which asks here). Cached in memory by
the package's file signature and on disk by its content and judgebox's rule version
(RULE_VERSION and the package version), under the cache dir.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from judgebox import __version__
from judgebox.problems.library import submissions
from judgebox.problems.model import Problem
from judgebox.vocabulary.errors import ProblemPackageError
from judgebox.vocabulary.files import write_atomically
from judgebox.vocabulary.verdicts import CaseResult, Verdict

# Folders whose submissions bound the limit (spec "Example submissions").
LOWER_BOUND = {Verdict.AC, Verdict.WA, Verdict.RTE}
UPPER_BOUND = {Verdict.TLE}
# judgebox's rule version, part of the cache key with the package's content: bump it when
# a change in judgebox changes what the inference finds (its rule, or verdicts and times of
# the submissions it judges), so no limit inferred under an older rule is kept. The
# package version is part of the key too (judgebox.__version__): every release infers anew.
# 2: interactive "who ended first" from end stamps, SIGPIPE, Prolog loading every file.
RULE_VERSION = "2"

# (problem with the probe limit, submission file, stop at the first failure) -> its cases
JudgeFile = Callable[[Problem, Path, bool], Awaitable[list[CaseResult] | None]]


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A run's time limit and how it was found (shown by GET /problems/{name} and verify)."""

    seconds: float
    source: str  # "problem.yaml", ".timelimit", "domjudge-problem.ini", "inferred", "default"
    detail: str = ""


def stated_limit(problem: Problem, default: float) -> TimeLimit | None:
    """The limit a problem states, the server default where nothing can be inferred, else None."""
    if problem.time_limit is not None:
        return TimeLimit(problem.time_limit, problem.time_limit_source or "problem")
    if problem.format_version in ("plain", "inline") or not any(
        verdict in LOWER_BOUND for verdict, _ in submissions(problem)
    ):
        return TimeLimit(default, "default", "the server's default_time_limit")
    return None


def choose_limit(problem: Problem, slowest_lower: float, slowest_upper: float | None) -> TimeLimit:
    """The spec's rule, from the slowest times (seconds) of each bound's submissions."""
    ac_to_tl = problem.time_multiplier or 2.0
    tl_to_tle = problem.time_safety_margin or 1.5
    resolution = problem.time_resolution
    steps = max(1, math.ceil(round(slowest_lower * ac_to_tl / resolution, 9)))
    limit = round(steps * resolution, 9)
    detail = f"slowest accepted {slowest_lower:.3f} s x {ac_to_tl:g}, in steps of {resolution:g} s"
    if slowest_upper is not None:
        if limit * tl_to_tle > slowest_upper + 1e-9:
            raise ProblemPackageError(
                f"{problem.path}: no time limit fits the submissions: at least {limit:g} s for "
                f"the accepted ones ({detail}), but a time_limit_exceeded one takes only "
                f"{slowest_upper:.3f} s, under {limit:g} s x time_limit_to_tle {tl_to_tle:g}"
            )
        detail += f"; slowest time_limit_exceeded {slowest_upper:.3f} s"
    return TimeLimit(limit, "inferred", detail)


def rule_version() -> str:
    """judgebox's side of the cache key: the rule version and the package version."""
    return f"{RULE_VERSION}+judgebox-{__version__}"


def content_key(problem: Problem, rule: str | None = None) -> str:
    """A digest of everything that changes the inference: judgebox's rule version (`rule`,
    default rule_version()) and every file of the package."""
    digest = hashlib.sha256((rule or rule_version()).encode() + b"\0")
    for field in (problem.time_multiplier, problem.time_safety_margin, problem.time_resolution):
        digest.update(repr(field).encode())
    root = problem.path
    for directory, folders, files in os.walk(root):
        folders.sort()
        for name in sorted(files):
            path = Path(directory, name)
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            with contextlib.suppress(OSError), open(path, "rb") as f:
                while block := f.read(1 << 20):
                    digest.update(block)
    return digest.hexdigest()


def _signature(problem: Problem) -> tuple[int, ...]:
    stamps: list[int] = []
    for directory, folders, files in os.walk(problem.path):
        folders.sort()
        for name in sorted(files):
            with contextlib.suppress(OSError):
                info = os.stat(os.path.join(directory, name))
                stamps += [info.st_mtime_ns, info.st_size]
    return tuple(stamps)


class TimeLimits:
    """The inferred limits of one process: memory, then disk, then by judging submissions."""

    def __init__(self, cache_dir: Path, default: float, rule: str | None = None) -> None:
        self.cache_dir = cache_dir / "timelimits"
        self.default = default
        self.rule = rule or rule_version()  # limits inferred under another rule are not read
        self._known: dict[Path, tuple[tuple[int, ...], TimeLimit]] = {}
        self._locks: dict[Path, asyncio.Lock] = {}

    def known(self, problem: Problem) -> TimeLimit | None:
        """The limit if it is stated or already inferred (no judging); None if not yet."""
        stated = stated_limit(problem, self.default)
        if stated is not None:
            return stated
        cached = self._known.get(problem.path)
        if cached is not None:
            return cached[1]
        return None

    async def resolve(self, problem: Problem, judge_file: JudgeFile) -> TimeLimit:
        """The problem's time limit, inferring (and caching) it when the package states none."""
        stated = stated_limit(problem, self.default)
        if stated is not None:
            return stated
        lock = self._locks.setdefault(problem.path, asyncio.Lock())
        async with lock:
            signature = await asyncio.to_thread(_signature, problem)
            cached = self._known.get(problem.path)
            if cached is not None and cached[0] == signature:
                return cached[1]
            key = await asyncio.to_thread(content_key, problem, self.rule)
            found = await asyncio.to_thread(self._read, key)
            if found is None:
                found = await self._infer(problem, judge_file)
                await asyncio.to_thread(self._write, key, found)
            self._known[problem.path] = (signature, found)
            return found

    async def _infer(self, problem: Problem, judge_file: JudgeFile) -> TimeLimit:
        probe_limit = max(10.0, self.default * 5)
        probe = _with_limit(problem, probe_limit)
        lower = 0.0
        upper: float | None = None
        for verdict, path in submissions(problem):
            if verdict in LOWER_BOUND:
                results = await judge_file(probe, path, False)
                if results:
                    lower = max(lower, max(r.time_ms for r in results) / 1000)
            elif verdict in UPPER_BOUND:
                results = await judge_file(probe, path, True)
                timed_out = results is None or any(r.verdict is Verdict.TLE for r in results)
                if results and not timed_out:  # it finished: its slowest case bounds the limit
                    slowest = max(r.time_ms for r in results) / 1000
                    upper = slowest if upper is None else min(upper, slowest)
        return choose_limit(problem, lower, upper)

    def _read(self, key: str) -> TimeLimit | None:
        try:
            data = json.loads((self.cache_dir / f"{key}.json").read_text())
            return TimeLimit(float(data["seconds"]), str(data["source"]), str(data["detail"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write(self, key: str, limit: TimeLimit) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        data = {"seconds": limit.seconds, "source": limit.source, "detail": limit.detail}
        write_atomically(self.cache_dir / f"{key}.json", json.dumps(data).encode())


def _with_limit(problem: Problem, seconds: float) -> Problem:
    return replace(problem, time_limit=seconds, time_limit_source="probe")
