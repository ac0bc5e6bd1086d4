"""50 streaming clients at once against a server that takes 2 active + 4 queued runs.

Every client either gets its whole stream (start, compile, five case results in
order, complete; ids 1..8 without a gap) or a 429 with a Retry-After and an
error body; a rejected client comes back (after the Retry-After, capped so the
test stays short) until it is judged. In the end all 50 programs were judged,
and each run's log on the server is exactly what its client received.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio
import httpx
import pytest
from fault_programs import aplusb_request
from fault_server import tracebacks, wait_no_leftovers
from httpx_sse import aconnect_sse

if TYPE_CHECKING:  # the fixture's type (conftest is not importable by name)
    from conftest import StartServer

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CLIENTS = 50
ACTIVE, QUEUED = 2, 4
RETRY_CAP_S = 2.0  # Retry-After is an estimate; the test honours it up to this


@dataclass
class Client:
    """What one streaming client saw."""

    number: int
    rejections: list[int] = field(default_factory=list)  # Retry-After of each 429
    events: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        """The run id of the accepted stream."""
        return str(self.events[0][2]["runId"])


async def stream_once(client: httpx.AsyncClient, me: Client) -> bool:
    """One attempt: True when accepted and streamed to the end, False on a 429."""
    body = aplusb_request("py-sleepy", me.number, pause=0.05)
    async with aconnect_sse(client, "POST", "/validate-dataset", json=body) as source:
        response = source.response
        if response.status_code == 429:
            error = json.loads(await response.aread())["error"]
            assert error["code"] and error["message"], error
            retry_after = response.headers.get("retry-after", "")
            assert retry_after.isdigit() and int(retry_after) >= 1, response.headers
            me.rejections.append(int(retry_after))
            return False
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        async for sse in source.aiter_sse():
            if sse.event == "message" and not sse.data:
                continue  # httpx-sse turns a `: ping` comment into an empty event
            me.events.append((sse.id, sse.event, sse.json()))
    return True


async def judged_at_last(client: httpx.AsyncClient, me: Client, gate: anyio.Event) -> None:
    """Wait for the common start, then try until accepted."""
    await gate.wait()
    while not await stream_once(client, me):
        await anyio.sleep(min(me.rejections[-1], RETRY_CAP_S))


def check_stream(me: Client) -> None:
    """The whole run, in order, ids 1..n."""
    ids = [int(i) for i, _, _ in me.events]
    names = [name for _, name, _ in me.events]
    assert ids == list(range(1, len(ids) + 1)), (me.number, ids)
    assert names == ["start", "compile", *["case-result"] * 5, "complete"], (me.number, names)
    cases = [data for _, name, data in me.events if name == "case-result"]
    assert [c["index"] for c in cases] == [1, 2, 3, 4, 5]
    assert all(c["verdict"] == "AC" for c in cases), cases
    complete = me.events[-1][2]
    assert complete["status"] == "finished" and complete["completed"] is True, complete
    assert complete["verdict"] == "AC" and complete["passed"] == 5, complete


async def test_fifty_streams_beyond_the_queue_cap_lose_nothing(start_server: StartServer) -> None:
    server = start_server({
        "JUDGEBOX_MAX_ACTIVE_RUNS": str(ACTIVE), "JUDGEBOX_MAX_QUEUED_RUNS": str(QUEUED),
        "JUDGEBOX_PARALLELISM": "1",
    })  # fmt: skip
    clients = [Client(n) for n in range(CLIENTS)]
    limits = httpx.Limits(max_connections=CLIENTS * 2)
    async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as http:
        gate = anyio.Event()
        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            for me in clients:
                tg.start_soon(judged_at_last, http, me, gate)
            await anyio.sleep(0.2)  # every client is parked at the gate
            gate.set()
        seconds = time.monotonic() - started

        first_wave_rejected = sum(1 for me in clients if me.rejections)
        accepted_at_once = CLIENTS - first_wave_rejected
        report = f"{seconds:.1f} s, {accepted_at_once} accepted at once, " + ", ".join(
            f"client {me.number}: {len(me.rejections)} x 429" for me in clients if me.rejections
        )
        assert accepted_at_once >= ACTIVE + QUEUED, report
        assert first_wave_rejected >= 1, f"no client met the cap: {report}"
        for me in clients:
            check_stream(me)
        assert len({me.run_id for me in clients}) == CLIENTS
        for me in clients:  # the server's log of each run is what its client received
            snapshot = (await http.get(f"/runs/{me.run_id}")).json()
            assert snapshot["status"] == "finished", snapshot
            assert snapshot["eventCount"] == len(me.events), (snapshot, len(me.events))
        metrics = (await http.get("/metrics")).text
        assert 'judgebox_runs_finished_total{status="finished"} 50.0' in metrics
    assert not wait_no_leftovers(server.files.work_root, server.instance)
    assert not tracebacks(server.log()), tracebacks(server.log())
