"""SSE framing, replay after Last-Event-ID, DELETE, and a client disconnect in either mode."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from httpx_sse import ServerSentEvent, connect_sse
from live_server import APLUSB_CODE, SLOW_CODE, LiveServer, StartServer

SSE = {"Accept": "text/event-stream"}
SLOW_AC_CODE = "import time\ntime.sleep(0.3)\na, b = map(int, input().split())\nprint(a + b)\n"


def body(code: str) -> dict[str, object]:
    """A run of `code` against aplusb in Python."""
    return {"problem": "aplusb", "language": "python3", "code": code}


def stream(server: LiveServer, code: str) -> list[ServerSentEvent]:
    """Every event of a /validate-dataset stream."""
    with (
        httpx.Client(timeout=60) as client,
        connect_sse(
            client, "POST", f"{server.url}/validate-dataset", json=body(code), headers=SSE
        ) as source,
    ):
        assert source.response.headers["content-type"].startswith("text/event-stream")
        assert source.response.headers["cache-control"] == "no-cache"
        assert source.response.headers["x-accel-buffering"] == "no"
        return list(source.iter_sse())


def test_sse_framing(server: LiveServer) -> None:
    events = stream(server, APLUSB_CODE)
    assert [e.event for e in events] == ["start", "compile"] + ["case-result"] * 4 + ["complete"]
    assert [e.id for e in events] == [str(i) for i in range(1, 8)]
    assert all("\n" not in e.data for e in events)
    start = events[0].json()
    assert start["problem"] == "aplusb" and start["totalCases"] == 4 and start["runId"]
    assert [e.json()["index"] for e in events[2:6]] == [1, 2, 3, 4]
    assert events[-1].json() == {"totalCases": 4, "completed": True, "verdict": "AC", "passed": 4,
                                 "failed": 0, "skipped": 0, "status": "finished"}  # fmt: skip


def test_runs_api_and_resume_after_last_event_id(server: LiveServer) -> None:
    created = httpx.post(f"{server.url}/runs", json=body(SLOW_AC_CODE))
    assert created.status_code == 202
    run_id = created.json()["runId"]
    assert created.json()["eventsUrl"] == f"/runs/{run_id}/events"
    url = f"{server.url}/runs/{run_id}/events"
    with httpx.Client(timeout=60) as client:
        with connect_sse(client, "GET", url) as source:  # leave after 3 events: run goes on
            first = [e for _, e in zip(range(3), source.iter_sse(), strict=False)]
        assert [e.id for e in first] == ["1", "2", "3"]
        with connect_sse(client, "GET", url, headers={"Last-Event-ID": "3"}) as source:
            rest = list(source.iter_sse())
    assert [e.id for e in rest] == [str(i) for i in range(4, 8)]
    assert rest[-1].event == "complete" and rest[-1].json()["status"] == "finished"
    snapshot = httpx.get(f"{server.url}/runs/{run_id}").json()
    assert snapshot["status"] == "finished" and snapshot["summary"]["verdict"] == "AC"
    assert len(snapshot["cases"]) == 4
    with httpx.Client(timeout=60) as client:  # replay of a finished run, from the start and after 5
        with connect_sse(client, "GET", url) as source:
            assert [e.id for e in source.iter_sse()] == [str(i) for i in range(1, 8)]
        with connect_sse(client, "GET", url, headers={"Last-Event-ID": "5"}) as source:
            assert [e.id for e in source.iter_sse()] == ["6", "7"]
    bad = httpx.get(url, headers={"Last-Event-ID": "three"})
    assert bad.status_code == 400 and "Last-Event-ID" in bad.json()["error"]["message"]


def test_delete_cancels_and_the_stream_ends_cancelled(server: LiveServer) -> None:
    before = server.metric("judgebox_runs_cancelled_total", reason="delete")
    run_id = httpx.post(f"{server.url}/runs", json=body(SLOW_CODE)).json()["runId"]
    server.wait_sandboxed(True)
    assert httpx.get(f"{server.url}/runs/{run_id}").json()["status"] == "running"
    deleted = httpx.delete(f"{server.url}/runs/{run_id}")
    assert deleted.status_code == 200 and deleted.json() == {"runId": run_id, "status": "cancelled"}
    assert server.sandboxed_pids() == set()  # DELETE answers once the sandbox is dead
    with (
        httpx.Client(timeout=10) as client,
        connect_sse(client, "GET", f"{server.url}/runs/{run_id}/events") as source,
    ):
        events = list(source.iter_sse())
    assert [e.event for e in events] == ["start", "compile", "complete"]
    assert events[-1].json()["status"] == "cancelled" and events[-1].json()["completed"] is False
    assert server.metric("judgebox_runs_cancelled_total", reason="delete") == before + 1
    assert httpx.delete(f"{server.url}/runs/{run_id}").json()["status"] == "cancelled"  # idempotent


def test_sse_disconnect_mid_case_kills_the_sandbox(server: LiveServer) -> None:
    before = server.metric("judgebox_runs_cancelled_total", reason="client")
    with (
        httpx.Client(timeout=60) as client,
        connect_sse(
            client, "POST", f"{server.url}/validate-dataset", json=body(SLOW_CODE), headers=SSE
        ) as source,
    ):
        events = source.iter_sse()
        start = next(events).json()
        assert next(events).event == "compile"
        server.wait_sandboxed(True)  # the program is sleeping inside its box
    closed = time.monotonic()
    server.wait_sandboxed(False, timeout=5)
    gone_after = time.monotonic() - closed
    assert gone_after < 1.0, gone_after
    assert server.metric("judgebox_runs_cancelled_total", reason="client") == before + 1
    snapshot = httpx.get(f"{server.url}/runs/{start['runId']}").json()
    assert snapshot["status"] == "cancelled" and snapshot["cases"] == []
    assert f"run {start['runId']} cancelled by the client" in server.log()
    assert not re.search(r"(ERROR|WARNING) judgebox\.(runs|server)", server.log())


def test_json_mode_disconnect_kills_the_sandbox(server: LiveServer) -> None:
    before = server.metric("judgebox_runs_cancelled_total", reason="client")
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{server.url}/validate-dataset", json=body(SLOW_CODE), timeout=1.5)
    closed = time.monotonic()
    server.wait_sandboxed(False, timeout=5)
    assert time.monotonic() - closed < 1.0
    assert server.metric("judgebox_runs_cancelled_total", reason="client") == before + 1


def test_a_runs_stream_disconnect_does_not_cancel(server: LiveServer) -> None:
    run_id = httpx.post(f"{server.url}/runs", json=body(SLOW_CODE)).json()["runId"]
    with (
        httpx.Client(timeout=60) as client,
        connect_sse(client, "GET", f"{server.url}/runs/{run_id}/events") as source,
    ):
        next(source.iter_sse())
    time.sleep(0.3)
    assert httpx.get(f"{server.url}/runs/{run_id}").json()["status"] == "running"
    httpx.delete(f"{server.url}/runs/{run_id}")


def test_heartbeat_and_run_time_cap(start_server: StartServer) -> None:
    live = start_server(env={"JUDGEBOX_RUN_TIME_CAP": "2", "JUDGEBOX_HEARTBEAT_INTERVAL": "0.5"})
    lines: list[str] = []
    began = time.monotonic()
    with httpx.stream("POST", f"{live.url}/validate-dataset", json=body(SLOW_CODE), headers=SSE,
                      timeout=30) as response:  # fmt: skip
        for line in response.iter_lines():
            lines.append(line)
    took = time.monotonic() - began
    assert lines.count(": ping") >= 2, lines
    complete = json.loads(lines[lines.index("event: complete") + 1].removeprefix("data: "))
    assert complete["status"] == "timed-out" and complete["completed"] is False
    assert 2.0 <= took < 4.0, took
    assert live.sandboxed_pids() == set()
    assert live.metric("judgebox_runs_cancelled_total", reason="timeout") == 1
    assert live.metric("judgebox_runs_finished_total", status="timed-out") == 1
