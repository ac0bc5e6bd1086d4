"""Shutdown mid-run (SIGTERM), 503 while stopping, and a restart on the same database."""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
import time

import httpx
from httpx_sse import ServerSentEvent, connect_sse
from live_server import APLUSB_CODE, SLOW_CODE, LiveServer, StartServer

SSE = {"Accept": "text/event-stream"}
BODY = {"problem": "aplusb", "language": "python3", "code": SLOW_CODE}


def test_sigterm_ends_open_streams_with_cancelled_and_exits(start_server: StartServer) -> None:
    live = start_server(env={"JUDGEBOX_GRACEFUL_TIMEOUT": "5"})
    events: list[ServerSentEvent] = []
    started = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(timeout=30) as client,
            connect_sse(
                client, "POST", f"{live.url}/validate-dataset", json=BODY, headers=SSE
            ) as source,
        ):
            for event in source.iter_sse():
                events.append(event)
                if event.event == "compile":
                    started.set()

    listener = threading.Thread(target=listen)
    listener.start()
    assert started.wait(30)
    live.wait_sandboxed(True)
    before_stop = time.monotonic()
    live.process.send_signal(signal.SIGTERM)
    live.process.wait(10)
    stopped_after = time.monotonic() - before_stop
    listener.join(10)
    assert stopped_after < 5, stopped_after
    assert [e.event for e in events] == ["start", "compile", "complete"]
    assert events[-1].json()["status"] == "cancelled"
    assert live.sandboxed_pids() == set()
    assert "cancelled by server shutdown" in live.log()
    assert not re.search(r"(ERROR|WARNING) judgebox\.(runs|server)", live.log())


def test_requests_during_shutdown_get_503(start_server: StartServer) -> None:
    live = start_server(env={"JUDGEBOX_GRACEFUL_TIMEOUT": "5"})
    # Freeze the server, queue SIGTERM and a request, thaw it: the signal is
    # handled first (it interrupts the loop's wait), so the request meets the
    # stopping server before uvicorn closes its listener.
    os.kill(live.pid, signal.SIGSTOP)
    try:
        os.kill(live.pid, signal.SIGTERM)
        with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            os.kill(live.pid, signal.SIGCONT)
            received = b""
            while chunk := sock.recv(65536):  # "Connection: close": read to the end
                received += chunk
            answer = received.decode()
    finally:
        os.kill(live.pid, signal.SIGCONT)
    assert answer.startswith("HTTP/1.1 503"), answer
    assert '"code":"shutting-down"' in answer
    assert live.process.wait(10) is not None


def test_restart_keeps_finished_runs_and_fails_the_interrupted_one(
    start_server: StartServer,
) -> None:
    first = start_server()
    finished = httpx.post(f"{first.url}/validate-dataset", json={**BODY, "code": APLUSB_CODE},
                          timeout=60).json()  # fmt: skip
    interrupted = httpx.post(f"{first.url}/runs", json=BODY).json()["runId"]
    first.wait_sandboxed(True)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(10)
    # The boxes die with the server however it dies (the supervisor watches a pidfd of
    # it): nothing of the interrupted case may keep running unwatched.
    first.wait_sandboxed(False, timeout=5)
    second = start_server(db=first.db)
    kept = httpx.get(f"{second.url}/runs/{finished['runId']}").json()
    assert kept["status"] == "finished" and kept["summary"] == finished["summary"]
    assert kept["cases"] == finished["cases"]
    lost = httpx.get(f"{second.url}/runs/{interrupted}").json()
    assert lost["status"] == "internal-error" and lost["summary"]["status"] == "internal-error"
    with (
        httpx.Client(timeout=10) as client,
        connect_sse(client, "GET", f"{second.url}/runs/{interrupted}/events") as source,
    ):
        names = [e.event for e in source.iter_sse()]
    assert names[0] == "start" and names[-1] == "complete"
    assert f"run {interrupted} was in flight" in second.log()


def test_sigterm_with_a_background_run_and_a_json_client(start_server: StartServer) -> None:
    live: LiveServer = start_server()
    run_id = httpx.post(f"{live.url}/runs", json=BODY).json()["runId"]
    answers: list[httpx.Response] = []
    waiting = threading.Thread(
        target=lambda: answers.append(
            httpx.post(f"{live.url}/validate-dataset", json=BODY, timeout=30)
        )
    )
    waiting.start()
    deadline = time.monotonic() + 10
    while live.metric("judgebox_runs_started_total") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    live.process.send_signal(signal.SIGTERM)
    live.process.wait(10)
    waiting.join(10)
    assert answers and answers[0].json()["summary"]["status"] == "cancelled"
    assert live.sandboxed_pids() == set()
    assert f"run {run_id} cancelled by server shutdown" in live.log()
