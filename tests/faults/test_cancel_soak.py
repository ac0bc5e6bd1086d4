"""Soak: 1,000 runs cancelled at random moments; afterwards the host is clean and the server fine.

Runs are driven concurrently (many workers, 4 active runs, a long queue) so
that cancels land everywhere: while queued, mid-compile (g++ compiled cold),
mid-case and between cases (sleepy and spinning Python, C on inline cases).
Three of four runs go through `POST /runs` + `DELETE`; the fourth through a
`/validate-dataset` stream that the client drops. Where each cancel landed is
read from `GET /runs/{id}` just before it, and each kind must have been hit.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
import httpx
import pytest
from fault_programs import PY_APLUSB, aplusb_request
from fault_server import FaultServer, tracebacks, wait_no_leftovers
from httpx_sse import aconnect_sse

if TYPE_CHECKING:  # the fixture's type (conftest is not importable by name)
    from conftest import StartServer

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

RUNS = 1000
WORKERS = 24
KINDS = ("py-sleepy", "py-spin", "c-inline", "cpp-cold")
DONE_STATES = {"finished", "compile-error", "timed-out", "cancelled", "internal-error"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where one cancel landed and how the run ended."""

    run_id: str | None
    # [stream-]queued | [stream-]compiling | [stream-]judging | done-before-cancel, or
    # stream-unanswered: hung up before the response began (the run may not exist at all)
    point: str
    status: str | None  # the run's final status (None: a stream dropped before its start)


def point_of(snapshot: dict[str, object]) -> str:
    """Where a run stands, from GET /runs/{id}."""
    status = snapshot["status"]
    if status == "queued":
        return "queued"
    if status != "running":
        return "done-before-cancel"
    return "compiling" if snapshot["compile"] is None else "judging"


async def final_status(client: httpx.AsyncClient, run_id: str) -> str:
    """The run's status once it has ended (polling GET /runs/{id}, at most 15 s)."""
    deadline = time.monotonic() + 15
    while True:
        status = str((await client.get(f"/runs/{run_id}")).json()["status"])
        if status in DONE_STATES or time.monotonic() > deadline:
            return status
        await anyio.sleep(0.05)


async def submit_and_delete(client: httpx.AsyncClient, rng: random.Random, n: int) -> Outcome:
    """POST /runs, wait a random moment, look where it is, DELETE it."""
    created = await client.post("/runs", json=aplusb_request(rng.choice(KINDS), n))
    assert created.status_code == 202, created.text
    run_id = created.json()["runId"]
    await anyio.sleep(rng.uniform(0, 0.5))
    point = point_of((await client.get(f"/runs/{run_id}")).json())
    deleted = await client.delete(f"/runs/{run_id}")
    assert deleted.status_code == 200, deleted.text
    return Outcome(run_id, point, str(deleted.json()["status"]))


async def stream_and_drop(client: httpx.AsyncClient, rng: random.Random, n: int) -> Outcome:
    """POST /validate-dataset as SSE, read a random number of events, then hang up."""
    wanted = rng.randint(0, 6)
    run_id, seen, complete, answered = None, [], None, False
    body = aplusb_request(rng.choice(KINDS), n)
    # Up to 3 s: on a loaded host a run's first events take over 1.5 s (a CPU-bound
    # neighbour left 4 of 250 streams reaching `judging` with a 1.5 s cap).
    with anyio.move_on_after(rng.uniform(0, 3.0)):
        async with aconnect_sse(client, "POST", "/validate-dataset", json=body) as source:
            answered = True
            assert source.response.status_code == 200, await source.response.aread()
            async for sse in source.aiter_sse():
                if sse.event == "message" and not sse.data:
                    continue  # httpx-sse turns a `: ping` comment into an empty event
                seen.append(sse.event)
                if sse.event == "start":
                    run_id = sse.json()["runId"]
                if sse.event == "complete":
                    complete = sse.json()["status"]
                if len(seen) >= wanted or complete:
                    break
    if run_id is None:  # queued (a run's `start` comes when it gets a slot): no id to look up
        return Outcome(None, "stream-queued" if answered else "stream-unanswered", None)
    if complete is not None:
        return Outcome(run_id, "done-before-cancel", complete)
    point = "stream-judging" if "compile" in seen else "stream-compiling"
    return Outcome(run_id, point, await final_status(client, run_id))


def metric(text: str, sample: str) -> float:
    """One sample's value in Prometheus text (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0.0


async def judged_ok(client: httpx.AsyncClient) -> dict[str, object]:
    """A plain run, judged to the end (JSON mode): the summary."""
    response = await client.post(
        "/validate-dataset", json={"problem": "five", "language": "python3", "code": PY_APLUSB}
    )
    assert response.status_code == 200, response.text
    summary: dict[str, object] = response.json()["summary"]
    return summary


async def soak(server: FaultServer) -> tuple[list[Outcome], float]:
    """RUNS runs from WORKERS concurrent clients, each cancelled at a random moment."""
    rng = random.Random(20261124)
    outcomes: list[Outcome] = []
    numbers = itertools.count()
    limits = httpx.Limits(max_connections=WORKERS * 2, max_keepalive_connections=WORKERS)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:

        async def worker() -> None:
            while (n := next(numbers)) < RUNS:
                drive = stream_and_drop if n % 4 == 3 else submit_and_delete
                outcomes.append(await drive(client, rng, n))

        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            for _ in range(WORKERS):
                tg.start_soon(worker)
    return outcomes, time.monotonic() - started


async def server_fds_settled(server: FaultServer, at_most: int) -> int:
    """The server's fd count once closed client connections are gone (waits up to 3 s)."""
    deadline = time.monotonic() + 3
    while (fds := server.open_fds()) > at_most and time.monotonic() < deadline:
        await anyio.sleep(0.05)
    return fds


async def test_a_thousand_cancelled_runs_leave_nothing_behind(start_server: StartServer) -> None:
    server: FaultServer = start_server({
        "JUDGEBOX_MAX_ACTIVE_RUNS": "4", "JUDGEBOX_MAX_QUEUED_RUNS": "200",
        "JUDGEBOX_PARALLELISM": "1", "JUDGEBOX_RUN_TIME_CAP": "60",
    })  # fmt: skip
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        assert (await judged_ok(client))["verdict"] == "AC"  # warm: compile cache, /etc dirs
    fds_before = await server_fds_settled(server, 0)

    outcomes, seconds = await soak(server)

    assert len(outcomes) == RUNS
    left = wait_no_leftovers(server.files.work_root, server.instance)
    assert not left, f"after {RUNS} cancels: {left}"
    points = Counter(o.point for o in outcomes)
    statuses = Counter(o.status for o in outcomes)
    report = f"{seconds:.0f} s; cancel points {dict(points)}; final statuses {statuses}"
    # Where a cancel lands depends on the host's speed: about 600 / 120 / 35 of these (one
    # CI run saw 29 `judging`); a floor of 10 still proves each kind was exercised.
    for point in ("queued", "compiling", "judging"):
        assert points[point] >= 10, f"too few cancels landed while {point}: {report}"
    for point in ("stream-queued", "stream-compiling", "stream-judging"):
        assert points[point] >= 5, f"too few streams dropped while {point[7:]}: {report}"
    known = [o.status for o in outcomes if o.status is not None]
    # A run may finish between the look and the cancel (more often on a loaded host:
    # 88% were cancelled with a CPU-bound neighbour, 99% on a quiet one).
    assert statuses["cancelled"] >= len(known) * 0.75, report
    why = [line for line in server.log().splitlines() if "internal error" in line]
    assert set(statuses) <= {"cancelled", "finished", None}, f"{report}; {why}"  # never IE

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        assert (await client.get("/healthz")).status_code == 200
        metrics = (await client.get("/metrics")).text
        ended = sum(metric(metrics, f'judgebox_runs_finished_total{{status="{s}"}}')
                    for s in DONE_STATES)  # fmt: skip
        submitted = RUNS + 1 - points["stream-unanswered"]  # those may never have been runs
        assert submitted <= ended <= RUNS + 1, f"the server ended {ended} runs: {report}"
        assert metric(metrics, 'judgebox_runs_finished_total{status="internal-error"}') == 0
        assert metric(metrics, "judgebox_queue_length") == 0
        # Nothing leaked in the server either: it still judges, with as many fds as before.
        assert (await judged_ok(client))["verdict"] == "AC"
    fds_after = await server_fds_settled(server, fds_before + 2)
    assert fds_after <= fds_before + 2, f"fds {fds_before} before the soak, {fds_after} after"
    assert not wait_no_leftovers(server.files.work_root, server.instance)
    # A cancel is routine: the log says so in one line, never with a traceback.
    assert not tracebacks(server.log()), tracebacks(server.log())
