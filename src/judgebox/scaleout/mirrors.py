"""Node-local `Run` objects kept up to date from the EVENTS stream, for any API node.

    tail task:  subscribe ev.<runId> (core, a doorbell)  ─┐
                read stored events after the last one    ◄┘ each ring, or every `poll` s
                Run.append(event) ─► Run.follow() / wait_done() wake on this node

The doorbell only says "look again": the message itself is not trusted, since a
publish that JetStream refused (a losing writer) still reaches core subscribers.
The stream is the truth, read by sequence, so a missed ring (NATS restarting)
costs at most `poll` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from judgebox.runs.run import RUNNING, Run, SequencedEvent
from judgebox.scaleout.eventlog import EventLog, EventLogConflict
from judgebox.scaleout.streams import events_subject

log = logging.getLogger("judgebox.scaleout")

OnEvent = Callable[[Run, SequencedEvent], None]


class RunMirror:
    """One run as seen from this node; `tail()` follows it until its `complete` event."""

    def __init__(
        self, nc: Client, js: JetStreamContext, run: Run, on_event: OnEvent, poll: float = 2.0
    ) -> None:
        self.nc = nc
        self.log = EventLog(js, run)
        self.on_event = on_event
        self.poll = poll
        self.task: asyncio.Task[None] | None = None
        self._bell = asyncio.Event()
        self._reading = asyncio.Lock()  # the tail task and a cancel may refresh at once

    @property
    def run(self) -> Run:
        """The node-local Run."""
        return self.log.run

    async def refresh(self) -> None:
        """Read the events stored since the last refresh into the Run."""
        async with self._reading:
            before = self.log.count
            await self.log.load()
            if self.log.count and not self.run.done:
                self.run.state = RUNNING
            for item in self.run.events[before:]:
                self.on_event(self.run, item)

    def start_tailing(self) -> None:
        """Follow the run in the background until it is done (idempotent)."""
        if self.task is None and not self.run.done:
            self.task = asyncio.create_task(self._tail(), name=f"tail-{self.run.run_id}")

    async def _tail(self) -> None:
        async def ring(msg: Msg) -> None:
            self._bell.set()

        subscription = await self.nc.subscribe(events_subject(self.run.run_id), cb=ring)
        try:
            while not self.run.done:
                self._bell.clear()
                try:
                    await self.refresh()
                except (nats.errors.Error, OSError) as exc:
                    log.debug("run %s: reading events failed (%s); retrying", self.run.run_id, exc)
                except EventLogConflict as exc:  # a gap or a reordering: never expected
                    log.error("run %s: its event log is inconsistent: %s", self.run.run_id, exc)
                    return
                if self.run.done:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._bell.wait(), self.poll)
        finally:
            with contextlib.suppress(nats.errors.Error):
                await asyncio.shield(subscription.unsubscribe())
