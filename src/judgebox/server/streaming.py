"""A run's events to the client: SSE (`id:` seq, `event:` name, one line of JSON) or one document.

Either way a client that goes away cancels the run at once when
`cancel_on_disconnect` (the `/validate-dataset` rule): uvicorn's `send()` after a
disconnect returns silently, so both modes listen for `http.disconnect` instead
of waiting for a failed write (sse-starlette's listener in SSE mode; a receive
task in JSON mode).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.types import Message

from judgebox.runs import CancelReason, Executor, Run
from judgebox.settings import Settings
from judgebox.vocabulary.errors import UnknownRunError
from judgebox.vocabulary.events import CompleteEvent, run_document

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def wants_event_stream(request: Request) -> bool:
    """True when the Accept header asks for text/event-stream."""
    return "text/event-stream" in request.headers.get("accept", "").lower()


def _cancel_quietly(executor: Executor, run_id: str) -> None:
    with contextlib.suppress(UnknownRunError):
        executor.cancel(run_id, CancelReason.CLIENT)


def event_stream(
    executor: Executor,
    settings: Settings,
    run_id: str,
    *,
    after: int = 0,
    cancel_on_disconnect: bool,
) -> EventSourceResponse:
    """The run's events after seq `after` as SSE, live until `complete`, with pings."""

    async def frames() -> AsyncIterator[ServerSentEvent]:
        ended = False
        try:
            async for item in executor.follow(run_id, after):
                ended = isinstance(item.event, CompleteEvent)
                data = json.dumps(item.event.to_wire(), separators=(",", ":"))
                yield ServerSentEvent(data, event=item.event.name, id=str(item.seq), sep="\n")
        finally:
            # Cancelled by a disconnect or a failed send: no client, no run (synchronous,
            # so the second cancellation of the enclosing scope cannot interrupt it).
            if cancel_on_disconnect and not ended:
                _cancel_quietly(executor, run_id)

    async def on_disconnect(message: Message) -> None:
        if cancel_on_disconnect:
            _cancel_quietly(executor, run_id)

    return EventSourceResponse(
        frames(),
        headers=SSE_HEADERS,
        ping=settings.heartbeat_interval,
        ping_message_factory=lambda: ServerSentEvent(comment="ping", sep="\n"),
        sep="\n",
        client_close_handler_callable=on_disconnect,
        # On SIGTERM every run is cancelled, so streams end by themselves with
        # complete/cancelled; this is how long sse-starlette lets them.
        shutdown_grace_period=max(0.5, settings.graceful_timeout / 2),
    )


async def collect_document(
    executor: Executor, run_id: str, request: Request, *, cancel_on_disconnect: bool
) -> dict[str, Any]:
    """The JSON-mode document once the run ends; a disconnect meanwhile cancels the run."""

    async def watch_disconnect() -> None:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                if cancel_on_disconnect:
                    _cancel_quietly(executor, run_id)
                return

    watcher = asyncio.create_task(watch_disconnect())
    try:
        events = [item.event async for item in executor.follow(run_id)]
    finally:
        watcher.cancel()
    return run_document(events)


def run_snapshot(run: Run) -> dict[str, Any]:
    """GET /runs/{id}: the run's state and its results so far."""
    document = run_document([item.event for item in run.events])
    document.update(
        runId=run.run_id, problem=run.problem, language=run.language,
        totalCases=run.total_cases, status=run.state, eventCount=len(run.events),
    )  # fmt: skip
    return document
