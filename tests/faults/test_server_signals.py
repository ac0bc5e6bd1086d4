"""The server stopped mid-run: SIGTERM with streams open; SIGKILL, then a restart on the same files.

What is checked is the host: after SIGTERM nothing of the server is left (box
processes, the instance's directories and cgroups); after SIGKILL the boxes die
with the server, and the next server sweeps the stale directories and cgroups,
closes the interrupted runs with internal-error and still serves finished runs.
"""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING

import anyio
import httpx
import pytest
from fault_programs import aplusb_request
from fault_server import (
    FaultServer,
    box_uid_processes,
    instance_cgroups,
    tracebacks,
    wait_no_leftovers,
)
from httpx_sse import aconnect_sse

if TYPE_CHECKING:  # the fixture's type (conftest is not importable by name)
    from conftest import StartServer

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SETTINGS = {"JUDGEBOX_MAX_ACTIVE_RUNS": "2", "JUDGEBOX_MAX_QUEUED_RUNS": "8",
            "JUDGEBOX_PARALLELISM": "1"}  # fmt: skip


async def read_stream(
    client: httpx.AsyncClient, method: str, path: str, sink: list[tuple[str, dict[str, object]]],
    body: dict[str, object] | None = None,
) -> None:  # fmt: skip
    """Append every event of an SSE response to `sink` until the server ends it."""
    async with aconnect_sse(client, method, path, json=body) as source:
        assert source.response.status_code == 200, await source.response.aread()
        async for sse in source.aiter_sse():
            if sse.event == "message" and not sse.data:
                continue  # httpx-sse turns a `: ping` comment into an empty event
            sink.append((sse.event, sse.json()))


async def wait_until(predicate: object, timeout: float, what: str) -> None:
    """Poll a no-argument callable until it returns true."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await anyio.sleep(0.02)


async def wait_status(client: httpx.AsyncClient, run_id: str, wanted: str) -> None:
    """Poll GET /runs/{id} until its status is `wanted` (at most 30 s)."""
    deadline = time.monotonic() + 30
    while (status := (await client.get(f"/runs/{run_id}")).json()["status"]) != wanted:
        assert time.monotonic() < deadline, f"run {run_id} stayed {status}, not {wanted}"
        await anyio.sleep(0.05)


async def test_sigterm_with_open_streams_ends_them_cancelled_and_leaves_nothing(
    start_server: StartServer,
) -> None:
    server = start_server(SETTINGS)
    spin = aplusb_request("py-spin", 0)
    streams: list[list[tuple[str, dict[str, object]]]] = [[] for _ in range(4)]
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        background = (await client.post("/runs", json=spin)).json()["runId"]
        async with anyio.create_task_group() as tg:
            # The background run holds one of the two slots: one stream runs, two wait in the
            # queue, and a follower tails the background run.
            for sink in streams[:3]:
                tg.start_soon(read_stream, client, "POST", "/validate-dataset", sink, spin)
            tg.start_soon(read_stream, client, "GET", f"/runs/{background}/events", streams[3])
            await wait_until(lambda: any(e == "compile" for s in streams[:3] for e, _ in s),
                             30, "a stream's run to be mid-case")  # fmt: skip
            await wait_until(lambda: box_uid_processes(), 10, "a program in a box")
            await anyio.sleep(0.3)  # well inside a case
            server.signal(signal.SIGTERM)
            with anyio.fail_after(20):
                while server.process.poll() is None:
                    await anyio.sleep(0.05)
    # uvicorn ends a graceful shutdown by re-raising the signal it caught: exit by SIGTERM.
    assert server.process.returncode in (0, -signal.SIGTERM), server.log()[-3000:]
    assert "Finished server process" in server.log()
    ended = [stream[-1] for stream in streams if stream]
    assert len(ended) >= 2, streams  # queued streams may not have begun before the signal
    for name, data in ended:
        assert (name, data["status"]) == ("complete", "cancelled"), streams
    assert not box_uid_processes()
    assert not (server.files.work_root / server.instance).exists()
    assert not instance_cgroups(server.instance)
    assert not tracebacks(server.log()), tracebacks(server.log())


async def test_sigkill_then_restart_sweeps_and_fails_only_the_interrupted_runs(
    start_server: StartServer,
) -> None:
    first = start_server(SETTINGS)
    async with httpx.AsyncClient(base_url=first.url, timeout=60) as client:
        done = (await client.post("/runs", json=aplusb_request("py-sleepy", 0))).json()["runId"]
        await wait_status(client, done, "finished")
        finished_before = (await client.get(f"/runs/{done}")).json()
        spinning = [(await client.post("/runs", json=aplusb_request("py-spin", n))).json()["runId"]
                    for n in range(3)]  # two run, one waits  # fmt: skip
        for run_id in spinning[:2]:
            await wait_status(client, run_id, "running")
        await wait_until(lambda: len(box_uid_processes()) >= 2, 10, "two programs in boxes")
    first.signal(signal.SIGKILL)
    first.wait_exit(10)
    stale = first.files.work_root / first.instance
    assert stale.is_dir(), "a killed server cannot clean up: its instance dir must be there"
    # Each supervisor watches the server's pidfd: the boxes go with it, before any restart.
    deadline = time.monotonic() + 5
    while survivors := box_uid_processes():
        assert time.monotonic() < deadline, f"boxes outlived the server: {survivors}"
        await anyio.sleep(0.02)

    second: FaultServer = start_server(SETTINGS)
    assert not stale.exists(), "the restarted server must sweep the dead one's directory"
    assert not instance_cgroups(first.instance), "and its cgroups"
    async with httpx.AsyncClient(base_url=second.url, timeout=60) as client:
        for run_id in spinning:
            snapshot = (await client.get(f"/runs/{run_id}")).json()
            assert snapshot["status"] == "internal-error", snapshot
            assert snapshot["summary"]["status"] == "internal-error", snapshot
            events: list[tuple[str, dict[str, object]]] = []
            with anyio.fail_after(10):  # a finished run's stream replays and ends
                await read_stream(client, "GET", f"/runs/{run_id}/events", events)
            assert events[-1] == ("complete", snapshot["summary"] | {"totalCases": 5}), events
        assert (await client.get(f"/runs/{done}")).json() == finished_before
        judged = await client.post("/validate-dataset", json=aplusb_request("py-sleepy", 1))
        assert judged.json()["summary"]["verdict"] == "AC"
    assert not wait_no_leftovers(second.files.work_root, second.instance)
    assert not tracebacks(second.log()), tracebacks(second.log())
