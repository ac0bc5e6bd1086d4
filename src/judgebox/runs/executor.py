"""The `Executor` interface every transport talks to, and what it reports as runs go."""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Protocol

from judgebox.judging.judge import Submission
from judgebox.runs.run import Run, SequencedEvent
from judgebox.vocabulary.verdicts import RunStatus, Verdict


class CancelReason(StrEnum):
    """Why a run stopped before its end (the `reason` label of the cancel metric)."""

    CLIENT = "client"
    DELETE = "delete"
    TIMEOUT = "timeout"
    SHUTDOWN = "shutdown"
    UNWATCHED = "unwatched"  # cancelWhenUnwatched: no client followed it for the grace


class RunObserver(Protocol):
    """What an executor reports as runs go (the server turns it into metrics)."""

    def run_started(self) -> None:
        """A run left the queue and began."""

    def run_finished(self, status: RunStatus) -> None:
        """A run wrote its `complete` event."""

    def run_cancelled(self, reason: CancelReason, seconds_to_dead: float) -> None:
        """A run was stopped; its sandbox died `seconds_to_dead` after the cancel."""

    def case_judged(self, verdict: Verdict) -> None:
        """A case result was emitted."""


class SilentObserver:
    """A RunObserver that records nothing."""

    def run_started(self) -> None:
        """Ignore."""

    def run_finished(self, status: RunStatus) -> None:
        """Ignore."""

    def run_cancelled(self, reason: CancelReason, seconds_to_dead: float) -> None:
        """Ignore."""

    def case_judged(self, verdict: Verdict) -> None:
        """Ignore."""


class Executor(Protocol):
    """Where runs execute: in this process (LocalExecutor) or on workers (NATS)."""

    async def start(self) -> None:
        """Get ready (open the store, connect, recover runs a crash left in flight)."""

    async def submit(self, submission: Submission, *, cancel_when_unwatched: bool = False) -> None:
        """Start or queue a run; QueueFullError when full, ShuttingDownError when stopping.

        `cancel_when_unwatched`: cancel the run once no client has followed its events for
        `unwatched_grace` seconds (followers on every API node count with the scale-out one).
        """

    def cancel(self, run_id: str, reason: CancelReason) -> None:
        """Ask the run to stop now; returns at once; no-op once it finished; UnknownRunError."""

    async def get(self, run_id: str) -> Run:
        """The run as it is now; UnknownRunError if there is none."""

    def follow(self, run_id: str, after: int = 0) -> AsyncIterator[SequencedEvent]:
        """The run's events after seq `after`, then live ones until `complete`."""

    def queue_length(self) -> int:
        """How many runs wait for a slot."""

    def begin_shutdown(self) -> None:
        """Refuse new runs and cancel every run (reason shutdown); returns at once."""

    async def close(self, timeout: float) -> None:
        """Wait at most `timeout` for runs to unwind, then release everything."""
