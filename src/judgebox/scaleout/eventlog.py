"""A run's events in the EVENTS stream: read them, and append them as their only writer.

    subject ev.<runId>, one message per event:
      payload  {"seq": 3, "name": "case-result", "data": {…to_wire()…}}
      headers  Nats-Msg-Id: <runId>:<seq>
               Nats-Expected-Last-Subject-Sequence: <stream seq of event seq-1, 0 for the first>

The two headers make the log a compare-and-set list: a message id that JetStream
has seen is dropped (a retried publish), and a writer whose idea of the last
event is stale is refused (`EventLogConflict`). So when a worker presumed dead
and its successor, or a worker and an API node cancelling a queued run, race to
write the same run, exactly one of them wins each event and the loser stops.
Readers still skip a second copy of an event seq (seen right after a
nats-server restart: see `_take`).
The event seq (1, 2, 3, …) is the SSE `id` on every API node.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from dataclasses import dataclass

import nats.errors
from nats.js import JetStreamContext, api
from nats.js.errors import APIError, NotFoundError

from judgebox.runs.run import Run, SequencedEvent
from judgebox.scaleout.streams import EVENTS_STREAM, events_subject
from judgebox.vocabulary.events import CaseResultEvent, Event, event_from_wire
from judgebox.vocabulary.verdicts import CaseResult, RunStatus

_WRONG_LAST_SEQUENCE = 10071  # JetStream's err_code for a failed expected-last-sequence check
_PUBLISH_TRIES = 20  # with the pause below: about 30 s through a NATS restart


class EventLogConflict(Exception):
    """Another writer appended to the run's log first: this writer must stop writing."""


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event read back from the stream: its stream sequence, run seq and time."""

    stream_seq: int
    item: SequencedEvent
    time: float


def event_payload(item: SequencedEvent) -> bytes:
    """The message payload of one event."""
    wire = {"seq": item.seq, "name": item.event.name, "data": item.event.to_wire()}
    return json.dumps(wire, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_event(payload: bytes) -> SequencedEvent:
    """An event message back into (seq, event)."""
    wire = json.loads(payload)
    return SequencedEvent(int(wire["seq"]), event_from_wire(wire["name"], wire["data"]))


async def read_events(js: JetStreamContext, run_id: str, after: int = 0) -> list[LoggedEvent]:
    """The run's events stored after stream sequence `after`, in order."""
    found: list[LoggedEvent] = []
    cursor = after
    subject = events_subject(run_id)
    while True:
        try:
            raw = await js.get_msg(EVENTS_STREAM, seq=cursor + 1, subject=subject, next=True)
        except NotFoundError:
            return found
        assert raw.seq is not None and raw.data is not None
        cursor = raw.seq
        stamp = raw.time or datetime.datetime.now(datetime.UTC)
        found.append(LoggedEvent(raw.seq, parse_event(raw.data), stamp.timestamp()))


class EventLog:
    """The log of one run as one writer sees it: a `Run` mirror plus compare-and-set appends."""

    def __init__(self, js: JetStreamContext, run: Run) -> None:
        self.js = js
        self.run = run
        self.last_stream_seq = 0
        self.started_at: float | None = None  # when the first event was stored

    @property
    def count(self) -> int:
        """Events in the log."""
        return len(self.run.events)

    def case_results(self) -> tuple[CaseResult, ...]:
        """The case results already logged, in order."""
        return tuple(
            e.event.result for e in self.run.events if isinstance(e.event, CaseResultEvent)
        )

    async def load(self) -> None:
        """Read what the stream holds beyond what this log has seen."""
        for logged in await read_events(self.js, self.run.run_id, self.last_stream_seq):
            self._take(logged.stream_seq, logged.item)
            if self.started_at is None:
                self.started_at = logged.time

    async def append(self, event: Event) -> SequencedEvent:
        """Publish the next event; EventLogConflict if someone else wrote first."""
        item = SequencedEvent(self.count + 1, event)
        payload = event_payload(item)
        headers = {
            str(api.Header.MSG_ID): f"{self.run.run_id}:{item.seq}",
            str(api.Header.EXPECTED_LAST_SUBJECT_SEQUENCE): str(self.last_stream_seq),
        }
        ack = await self._publish(payload, headers)
        if ack.duplicate:
            stored = await self.js.get_msg(EVENTS_STREAM, seq=ack.seq)
            if stored.data != payload:
                raise EventLogConflict(f"run {self.run.run_id}: event {item.seq} is another's")
        self._take(ack.seq, item)
        return item

    async def close(self, status: RunStatus) -> None:
        """Append the events that end the run with `status` (start first if it never started)."""
        for event in self.run.closing_events(status):
            await self.append(event)

    async def _publish(self, payload: bytes, headers: dict[str, str]) -> api.PubAck:
        subject = events_subject(self.run.run_id)
        for attempt in range(_PUBLISH_TRIES):
            try:
                return await self.js.publish(subject, payload, timeout=2.0, headers=dict(headers))
            except APIError as exc:
                if exc.err_code == _WRONG_LAST_SEQUENCE:
                    raise EventLogConflict(f"run {self.run.run_id}: {exc.description}") from exc
                if attempt == _PUBLISH_TRIES - 1:
                    raise
            except (
                nats.errors.TimeoutError,
                nats.errors.NoRespondersError,
                nats.errors.ConnectionReconnectingError,
                nats.js.errors.NoStreamResponseError,
            ):
                # NATS is restarting: the same message id makes the retry safe.
                if attempt == _PUBLISH_TRIES - 1:
                    raise
            await asyncio.sleep(min(2.0, 0.1 * (attempt + 1)))
        raise AssertionError("unreachable")

    def _take(self, stream_seq: int, item: SequencedEvent) -> None:
        # The compare-and-set below counts every message on the subject, duplicates too.
        self.last_stream_seq = max(self.last_stream_seq, stream_seq)
        if item.seq <= self.count:
            # A second copy of an event: nats-server 2.9 stored a publish that nats-py had
            # buffered during a reconnect next to its retry, right after a restart, despite
            # the message id. The first copy counts; readers never see the second.
            return
        if item.seq != self.count + 1:
            raise EventLogConflict(
                f"run {self.run.run_id}: event seq {item.seq} follows {self.count} in the stream"
            )
        self.run.append(item.event)
