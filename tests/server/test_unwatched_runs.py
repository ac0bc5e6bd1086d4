"""POST /runs with `cancelWhenUnwatched`: a run nobody follows for `unwatched_grace` is
cancelled (a closed tab); a follower re-attaching within the grace keeps it (a reload);
without the option a run goes on unfollowed. A real server, real sandboxed runs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from httpx_sse import connect_sse
from live_server import SLOW_CODE, LiveServer, StartServer

GRACE = 3.0


@pytest.fixture
def live(start_server: StartServer) -> Iterator[LiveServer]:
    yield start_server(env={"JUDGEBOX_UNWATCHED_GRACE": str(GRACE)})


def _create(live: LiveServer, **options: object) -> str:
    body = {"problem": "aplusb", "language": "python3", "code": SLOW_CODE, **options}
    created = httpx.post(f"{live.url}/runs", json=body, timeout=30)
    assert created.status_code == 202, created.text
    run_id: str = created.json()["runId"]
    return run_id


def _status(live: LiveServer, run_id: str) -> str:
    status: str = httpx.get(f"{live.url}/runs/{run_id}", timeout=30).json()["status"]
    return status


def _wait_status(live: LiveServer, run_id: str, wanted: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _status(live, run_id) == wanted:
            return
        time.sleep(0.2)
    pytest.fail(f"run {run_id} is {_status(live, run_id)!r}, not {wanted!r}, after {timeout} s")


def test_an_unfollowed_run_is_cancelled_after_the_grace(live: LiveServer) -> None:
    run_id = _create(live, cancelWhenUnwatched=True)
    _wait_status(live, run_id, "running", timeout=30)
    # Cancelled by the grace, long before its cases (30 s of sleep each) could end.
    _wait_status(live, run_id, "cancelled", timeout=GRACE + 15)
    assert f"run {run_id} cancelled: no client followed it for {GRACE:g} s" in live.log()
    assert live.metric("judgebox_runs_cancelled_total", reason="unwatched") == 1
    live.wait_sandboxed(False, timeout=10)


def test_a_follower_reattaching_within_the_grace_keeps_the_run(live: LiveServer) -> None:
    run_id = _create(live, cancelWhenUnwatched=True)
    url = f"{live.url}/runs/{run_id}/events"
    with httpx.Client(timeout=60) as client:
        with connect_sse(client, "GET", url) as source:
            assert next(source.iter_sse()).event == "start"
        time.sleep(GRACE / 3)  # a reload: the stream is closed, then opened again
        with connect_sse(client, "GET", url, headers={"Last-Event-ID": "1"}) as source:
            # Followed past the whole grace since the first stream closed: still running.
            time.sleep(GRACE * 1.5)
            assert _status(live, run_id) == "running"
    # The last follower gone, the grace starts again and ends the run.
    _wait_status(live, run_id, "cancelled", timeout=GRACE + 15)
    assert "no client followed it" in live.log()


def test_without_the_option_an_unfollowed_run_goes_on(live: LiveServer) -> None:
    run_id = _create(live)
    _wait_status(live, run_id, "running", timeout=30)
    time.sleep(GRACE * 1.5)
    assert _status(live, run_id) == "running"
    assert httpx.delete(f"{live.url}/runs/{run_id}", timeout=30).json()["status"] == "cancelled"
    assert "no client followed it" not in live.log()
