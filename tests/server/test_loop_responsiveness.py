"""The event loop stays free while hostile data is scanned or checked (security issue 10/3, 10/4).

A real server on a free port; while one submission makes the judge do CPU-bound work on
submitted or produced data, `/healthz` (and with it every other stream and the limit
watchdogs on the same loop) keeps answering within a generous bound.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from live_server import LiveServer

BOUND = 1.0  # seconds: "not blocked", far above a healthy answer's milliseconds
FLOATS = 4_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose library has `floats`: one case of 4 M numbers, compared with tolerance."""
    root = tmp_path_factory.mktemp("problems")
    package = root / "floats"
    (package / "data" / "secret").mkdir(parents=True)
    (package / "problem.yaml").write_text(
        "name: Floats\nvalidator_flags: float_tolerance 1e-6\n"
        "limits:\n  time_multiplier: 1\n  output: 64\n"
    )
    (package / ".timelimit").write_text("10\n")
    (package / "data" / "secret" / "1.in").write_text("go\n")
    (package / "data" / "secret" / "1.ans").write_bytes(b"0.5\n" * FLOATS)
    live = LiveServer(tmp_path_factory.mktemp("server"), root)
    try:
        live.wait_healthy()
        yield live
    finally:
        live.stop()


def _worst_health_latency_while(server: LiveServer, work: Callable[[], httpx.Response]) -> tuple[
    float, int, httpx.Response]:  # fmt: skip
    """Run `work` in a thread; poll /healthz until it ends: (worst latency, polls, response)."""
    done: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: done.append(work()))
    thread.start()
    worst, polls = 0.0, 0
    with httpx.Client(timeout=30) as client:
        while thread.is_alive():
            started = time.monotonic()
            assert client.get(f"{server.url}/healthz").status_code == 200
            worst = max(worst, time.monotonic() - started)
            polls += 1
            time.sleep(0.02)
    thread.join()
    return worst, polls, done[0]


def test_healthz_answers_while_a_huge_output_is_checked_with_tolerance(
    server: LiveServer,
) -> None:
    # Every token differs in spelling (5e-1 for 0.5): the checker parses each as a number.
    code = f"import sys\nsys.stdout.write('5e-1\\n' * {FLOATS})\n"
    body = {"problem": "floats", "language": "python3", "code": code}
    worst, polls, response = _worst_health_latency_while(
        server, lambda: httpx.post(f"{server.url}/validate-dataset", json=body, timeout=300)
    )
    document = response.json()
    assert [case["verdict"] for case in document["cases"]] == ["AC"], document
    assert polls > 10  # the check took long enough to be observed
    assert worst < BOUND, f"/healthz took {worst:.2f} s while the output was checked"


def test_healthz_answers_while_a_hostile_java_source_is_named(server: LiveServer) -> None:
    # Unclosed comments at the code cap: a lazy regex over them is quadratic (minutes).
    code = "public class Main {\n" + "/* " * 43_000  # just under the 128 KiB code cap
    body = {"problem": "floats", "language": "java", "code": code}
    worst, _, response = _worst_health_latency_while(
        server, lambda: httpx.post(f"{server.url}/validate-dataset", json=body, timeout=600)
    )
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["summary"]["verdict"] == "CE", document  # javac: the comment never closes
    assert worst < BOUND, f"/healthz took {worst:.2f} s while the source was scanned"
