"""One run: what it judges, its state, and its events log that followers replay and tail."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from judgebox.vocabulary.events import (
    CaseResultEvent,
    CompileEvent,
    CompleteEvent,
    Event,
    StartEvent,
)
from judgebox.vocabulary.verdicts import CaseResult, RunStatus, summarize

QUEUED = "queued"
RUNNING = "running"


@dataclass(frozen=True, slots=True)
class SequencedEvent:
    """An event and its number in the run (the SSE `id`, from 1)."""

    seq: int
    event: Event


@dataclass(eq=False)
class Run:
    """One run; `state` is queued, running, or the RunStatus of its `complete` event."""

    run_id: str
    problem: str
    language: str
    total_cases: int
    state: str = QUEUED
    events: list[SequencedEvent] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    finished: float | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def done(self) -> bool:
        """True once the run's `complete` event exists."""
        return self.finished is not None

    def results(self) -> list[CaseResult]:
        """The case results emitted so far, in order."""
        return [e.event.result for e in self.events if isinstance(e.event, CaseResultEvent)]

    def compile_ok(self) -> bool:
        """False when the compile event said that compiling failed."""
        return not any(
            isinstance(e.event, CompileEvent) and not e.event.result.ok for e in self.events
        )

    def append(self, event: Event) -> SequencedEvent:
        """Log one event and wake every follower."""
        item = SequencedEvent(len(self.events) + 1, event)
        self.events.append(item)
        if isinstance(event, CompleteEvent):
            self.state = str(event.summary.status)
            self.finished = time.time()
        self._changed.set()
        self._changed = asyncio.Event()
        return item

    def closing_events(self, status: RunStatus) -> list[Event]:
        """The events that end this run with `status` (a `start` first if it never started)."""
        closing: list[Event] = []
        if not self.events:
            closing.append(StartEvent(self.run_id, self.problem, self.language, self.total_cases))
        summary = summarize(self.total_cases, self.results(), status, compile_ok=self.compile_ok())
        closing.append(CompleteEvent(summary))
        return closing

    async def wait_done(self) -> None:
        """Return once the run's `complete` event exists."""
        while not self.done:
            await self._changed.wait()

    async def follow(self, after: int = 0) -> AsyncIterator[SequencedEvent]:
        """The events with seq > `after`, then live ones until `complete`."""
        position = max(0, after)
        while True:
            changed = self._changed  # taken before reading, so no append is missed
            while position < len(self.events):
                position += 1
                yield self.events[position - 1]
            if self.done:
                return
            await changed.wait()
