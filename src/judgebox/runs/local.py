"""The local executor: runs as asyncio tasks in this process, bounded slots, a bounded queue.

    submit ─► Run (queued) ─► task: wait for a slot ─► judge events, capped by
              run_time_cap ─► complete (the judge's, or ours when cancelled / timed
              out / the judge raised)

`cancel()` records the reason and the moment, then cancels the task. When the
task has unwound (the judge's `finally` killed and reaped its sandbox), the
executor logs one line, reports the cancel-to-dead time and writes `complete`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Callable

from judgebox.judging.judge import Submission
from judgebox.runs.executor import CancelReason, RunObserver, SilentObserver
from judgebox.runs.registry import RunRegistry
from judgebox.runs.run import RUNNING, Run, SequencedEvent
from judgebox.runs.store import RunStore
from judgebox.runs.unwatched import UnwatchedRuns
from judgebox.settings import Settings
from judgebox.vocabulary.errors import QueueFullError, ShuttingDownError
from judgebox.vocabulary.events import CaseResultEvent, CompleteEvent, Event
from judgebox.vocabulary.verdicts import RunStatus

log = logging.getLogger("judgebox.runs")

RunEvents = Callable[[Submission], AsyncIterator[Event]]
_CANCEL_PHRASE = {
    CancelReason.CLIENT: "cancelled by the client",
    CancelReason.DELETE: "cancelled through DELETE /runs",
    CancelReason.TIMEOUT: "timed out at the run time cap",
    CancelReason.SHUTDOWN: "cancelled by server shutdown",
}


class LocalExecutor:
    """Runs in this process: `max_active_runs` at once, at most `max_queued_runs` waiting."""

    def __init__(
        self, settings: Settings, run_events: RunEvents, observer: RunObserver | None = None
    ) -> None:
        self.settings = settings
        self.run_events = run_events
        self.observer: RunObserver = observer or SilentObserver()
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.reasons: dict[str, tuple[CancelReason, float]] = {}  # reason, perf_counter
        self.slots = asyncio.Semaphore(settings.max_active_runs)
        self.stopping = False
        self.mean_seconds = 5.0  # moving average of run durations, for Retry-After
        self._registry: RunRegistry | None = None
        self._expiry: asyncio.Task[None] | None = None
        self.unwatched = UnwatchedRuns(
            settings.unwatched_grace, lambda run_id: self.cancel(run_id, CancelReason.UNWATCHED)
        )

    @property
    def registry(self) -> RunRegistry:
        """The run registry (once `start()` ran)."""
        if self._registry is None:
            raise RuntimeError("LocalExecutor.start() was not awaited")
        return self._registry

    async def start(self) -> None:
        """Open the store, close runs a crash left in flight, start the retention sweep."""
        store = RunStore(self.settings.database)
        for run_id in store.recover_interrupted():
            log.warning("run %s was in flight when its server stopped: internal-error", run_id)
        self._registry = RunRegistry(store, self.settings.runs_retention)
        self._registry.expire()
        self._expiry = asyncio.create_task(self._expire_periodically())

    async def submit(self, submission: Submission, *, cancel_when_unwatched: bool = False) -> None:
        """Start the run now, or queue it; QueueFullError when the queue is full.

        `cancel_when_unwatched`: cancel it once no client has followed its events for
        `unwatched_grace` seconds (runs/unwatched.py).
        """
        if self.stopping:
            raise ShuttingDownError("the server is shutting down; submit again once it is back")
        if len(self.tasks) >= self.settings.max_active_runs + self.settings.max_queued_runs:
            waves = math.ceil((self.queue_length() + 1) / self.settings.max_active_runs)
            retry = max(1, math.ceil(self.mean_seconds * waves))
            raise QueueFullError(
                f"{self.queue_length()} runs are already queued; retry in {retry} s", retry
            )
        problem = submission.problem
        run = Run(submission.run_id, problem.name, submission.language, len(problem.cases))
        self.registry.add(run)
        task = asyncio.create_task(self._drive(run, submission), name=f"run-{run.run_id}")
        self.tasks[run.run_id] = task
        task.add_done_callback(lambda done: self._settle(run, done))
        if cancel_when_unwatched:
            self.unwatched.watch(run.run_id)

    def cancel(self, run_id: str, reason: CancelReason) -> None:
        """Cancel the run's task now (the judge kills its sandbox); the first reason wins."""
        task = self.tasks.get(run_id)
        if task is None:
            self.registry.get(run_id)  # UnknownRunError for an unknown id; else it finished
            return
        if run_id not in self.reasons:
            self.reasons[run_id] = (reason, time.perf_counter())
            task.cancel()

    async def get(self, run_id: str) -> Run:
        """The run as it is now."""
        return self.registry.get(run_id)

    async def follow(self, run_id: str, after: int = 0) -> AsyncIterator[SequencedEvent]:
        """Replay after `after`, then live events until `complete`; counted as a follower."""
        run = self.registry.get(run_id)
        self.unwatched.attached(run_id)
        try:
            async for item in run.follow(after):
                yield item
        finally:
            self.unwatched.detached(run_id)

    def queue_length(self) -> int:
        """Runs waiting for a slot."""
        return max(0, len(self.tasks) - self.settings.max_active_runs)

    def begin_shutdown(self) -> None:
        """Refuse new runs; cancel every run with reason shutdown."""
        self.stopping = True
        for run_id in list(self.tasks):
            self.cancel(run_id, CancelReason.SHUTDOWN)

    async def close(self, timeout: float) -> None:
        """Cancel what is left, wait for the tasks to unwind (bounded), close the store."""
        self.begin_shutdown()
        if self._expiry is not None:
            self._expiry.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks.values()), timeout=timeout)
        if self._registry is not None:
            self._registry.store.close()

    async def _expire_periodically(self) -> None:
        period = min(60.0, max(1.0, self.settings.runs_retention / 4))
        while True:
            await asyncio.sleep(period)
            self.registry.expire()

    async def _drive(self, run: Run, submission: Submission) -> None:
        """Wait for a slot, judge; `_settle` writes the end when this stops early."""
        started: float | None = None  # when it got a slot: Retry-After counts judging only
        try:
            async with self.slots:
                started = time.perf_counter()
                self.registry.set_state(run, RUNNING)
                self.observer.run_started()
                log.info("run %s started: problem %s, language %s, %d cases",
                         run.run_id, run.problem, run.language, run.total_cases)  # fmt: skip
                await self._judge_capped(run, submission)
        except Exception:
            log.exception("run %s: the judge raised", run.run_id)
        finally:
            # Time spent queued is not a run's duration: counting it made Retry-After grow
            # with the queue it is meant to drain (34-88 s for 2 s runs under a burst).
            if started is not None:
                seconds = time.perf_counter() - started
                self.mean_seconds = 0.8 * self.mean_seconds + 0.2 * seconds

    def _settle(self, run: Run, task: asyncio.Task[None]) -> None:
        """The run's task is over (its judge unwound, its sandbox dead): make sure it ended.

        A done-callback rather than an `except` in `_drive`, because a task
        cancelled before its first step never runs its coroutine's body.
        """
        self.tasks.pop(run.run_id, None)
        self.unwatched.forget(run.run_id)
        if task.cancelled() and run.run_id not in self.reasons:  # e.g. the loop's teardown
            self.reasons[run.run_id] = (CancelReason.SHUTDOWN, time.perf_counter())
        if run.run_id in self.reasons:
            self._end_cancelled(run)
        elif not run.done:
            for event in run.closing_events(RunStatus.INTERNAL_ERROR):
                self._record(run, event)

    async def _judge_capped(self, run: Run, submission: Submission) -> None:
        """Forward the judge's events; at the run time cap, stop it (reason timeout)."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.settings.run_time_cap) as cap:
                events = self.run_events(submission)
                try:
                    async for event in events:
                        self._record(run, event)
                finally:
                    aclose = getattr(events, "aclose", None)
                    if aclose is not None:  # a generator left at a yield is closed here
                        await aclose()
        except TimeoutError:
            if not cap.expired():
                raise
            deadline = cap.when() or loop.time()
            asked_at = time.perf_counter() - (loop.time() - deadline)
            self.reasons.setdefault(run.run_id, (CancelReason.TIMEOUT, asked_at))

    def _record(self, run: Run, event: Event) -> None:
        self.registry.append(run, event)
        if isinstance(event, CaseResultEvent):
            self.observer.case_judged(event.result.verdict)
        elif isinstance(event, CompleteEvent):
            s = event.summary
            log.info("run %s finished: %s, verdict %s, %d passed, %d failed, %d skipped",
                     run.run_id, s.status, s.verdict, s.passed, s.failed, s.skipped)  # fmt: skip
            self.observer.run_finished(s.status)

    def _cancel_phrase(self, reason: CancelReason) -> str:
        if reason is CancelReason.UNWATCHED:
            return f"cancelled: no client followed it for {self.unwatched.grace:g} s"
        return _CANCEL_PHRASE[reason]

    def _end_cancelled(self, run: Run) -> None:
        """The judge has unwound (its sandbox is dead): log, report, write `complete`."""
        reason, asked_at = self.reasons.pop(run.run_id)
        if run.done:
            return
        seconds = max(0.0, time.perf_counter() - asked_at)
        self.observer.run_cancelled(reason, seconds)
        log.info(
            "run %s %s (after %d of %d cases; sandbox dead %.1f ms after the cancel)",
            run.run_id, self._cancel_phrase(reason), len(run.results()), run.total_cases,
            seconds * 1000,
        )  # fmt: skip
        status = RunStatus.TIMED_OUT if reason is CancelReason.TIMEOUT else RunStatus.CANCELLED
        for event in run.closing_events(status):
            self.registry.append(run, event)
        self.observer.run_finished(status)
