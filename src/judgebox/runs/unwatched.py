"""Runs that end when nobody follows them (`cancelWhenUnwatched` of POST /runs).

Each watched run counts the followers of its events. While the count is 0 one
timer is armed (`loop.call_later`, no polling): when it fires after `grace`
seconds the run is cancelled; a follower arriving disarms it, and the last one
leaving arms it again with the whole grace. So a page reload re-attaches within
the grace and keeps its run, and a closed tab's run stops within it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Watch:
    followers: int = 0
    timer: asyncio.TimerHandle | None = None


class UnwatchedRuns:
    """The watched runs of one executor: follower counts and the timers of unfollowed runs."""

    def __init__(self, grace: float, cancel: Callable[[str], None]) -> None:
        self.grace = grace
        self._cancel = cancel
        self._watches: dict[str, _Watch] = {}

    def watch(self, run_id: str) -> None:
        """Start watching a new run: no follower yet, so its grace starts now."""
        watch = _Watch()
        self._watches[run_id] = watch
        self._arm(run_id, watch)

    def attached(self, run_id: str) -> None:
        """A client began following the run's events."""
        watch = self._watches.get(run_id)
        if watch is None:
            return
        watch.followers += 1
        if watch.timer is not None:
            watch.timer.cancel()
            watch.timer = None

    def detached(self, run_id: str) -> None:
        """A client stopped following; the last one leaving starts the grace."""
        watch = self._watches.get(run_id)
        if watch is None:
            return
        watch.followers = max(0, watch.followers - 1)
        if watch.followers == 0:
            self._arm(run_id, watch)

    def forget(self, run_id: str) -> None:
        """The run ended: stop watching it."""
        watch = self._watches.pop(run_id, None)
        if watch is not None and watch.timer is not None:
            watch.timer.cancel()

    def followers(self, run_id: str) -> int | None:
        """How many clients follow a watched run now (None: not watched)."""
        watch = self._watches.get(run_id)
        return None if watch is None else watch.followers

    def _arm(self, run_id: str, watch: _Watch) -> None:
        if watch.timer is not None:
            watch.timer.cancel()
        loop = asyncio.get_running_loop()
        watch.timer = loop.call_later(self.grace, self._expire, run_id)

    def _expire(self, run_id: str) -> None:
        watch = self._watches.pop(run_id, None)
        if watch is not None and watch.followers == 0:
            self._cancel(run_id)
