"""What only a cluster has: dying workers, a second API node, a NATS restart.

Workers are real `judgebox worker` processes, SIGKILLed by the test; JetStream
redelivers their job after the ack wait (2 s here), and the next worker resumes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from scaleout_cluster import follow, sse_events, wait_for
from test_scaleout_contract import APLUSB, assert_well_formed

if TYPE_CHECKING:  # the fixture's type (conftest is not importable by name)
    from conftest import Cluster

# "nap" takes a moment, "slow" never ends in a test, anything else is echoed at once.
NAPPY = (
    "import time\nx = input()\n"
    "if x == 'nap':\n    time.sleep(1.0)\n"
    "if x == 'slow':\n    time.sleep(60)\n"
    "print(x)\n"
)


# Also over TLS with the example config's users (each scale-out test is slow: a subset).
SECURE_TOO = pytest.mark.parametrize("secure", [False, True], ids=["plain", "secure"])


def run_of(*inputs: str) -> dict[str, Any]:
    """A POST /runs body of inline cases that NAPPY passes."""
    cases = [{"name": f"c{i}", "input": f"{x}\n", "answer": f"{x}\n"} for i, x in enumerate(inputs)]
    return {"language": "python3", "code": NAPPY, "cases": cases}


def case_results(events: list[tuple[int, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The data of the case-result events."""
    return [data for _, name, data in events if name == "case-result"]


@SECURE_TOO
def test_a_sigkilled_worker_is_resumed_at_the_next_case_without_duplicates(
    jetstream_cluster: Callable[..., Cluster],
    secure: bool,
) -> None:
    cluster = jetstream_cluster(secure)
    api = cluster.add_api()
    first = cluster.add_worker()
    run_id = api.submit(run_of("a", "b", "nap", "d", "e"))
    wait_for(lambda: len(api.run(run_id)["cases"]) == 2, 30, "two case results")
    wait_for(lambda: first.sandboxed_pids("main.py"), 10, "the third case running")

    first.kill()

    wait_for(lambda: not first.sandboxed_pids(), 3, "the dead worker's boxes dying with it")
    before = api.run(run_id)["cases"]  # what the first worker published before it died
    assert len(before) >= 2
    second = cluster.add_worker()
    events = follow(f"{api.url}/runs/{run_id}/events")
    assert_well_formed(events)
    results = case_results(events)
    assert [r["index"] for r in results] == [1, 2, 3, 4, 5]
    assert results[: len(before)] == before  # published once, by the first worker
    assert [r["verdict"] for r in results] == ["AC"] * 5
    assert events[-1][2]["status"] == "finished" and events[-1][2]["completed"] is True
    # start, compile and those results: emitted again by the judge, not run, not published
    assert f"delivery 2 resumes after {2 + len(before)} events" in second.log()


def test_a_job_that_kills_every_worker_ends_with_internal_error(
    jetstream_cluster: Callable[[], Cluster],
) -> None:
    cluster = jetstream_cluster()
    api = cluster.add_api()
    run_id = api.submit(run_of("slow"))
    for attempt in (1, 2, 3):
        worker = cluster.add_worker()
        wait_for(lambda w=worker: w.sandboxed_pids("main.py"), 30, f"attempt {attempt} running")
        worker.kill()
        wait_for(lambda w=worker: not w.sandboxed_pids(), 3, "the killed worker's boxes dying")
        assert api.run(run_id)["status"] == "running"

    last = cluster.add_worker()
    events = follow(f"{api.url}/runs/{run_id}/events")

    assert_well_formed(events)
    assert [name for _, name, _ in events] == ["start", "compile", "complete"]
    summary = events[-1][2]
    assert (summary["status"], summary["verdict"]) == ("internal-error", "IE")
    assert "delivery 4, every earlier worker died on it" in last.log()
    assert not last.sandboxed_pids("main.py")


def test_a_stream_resumes_on_another_api_node_after_last_event_id(
    jetstream_cluster: Callable[[], Cluster],
) -> None:
    cluster = jetstream_cluster()
    first, second = cluster.add_api(), cluster.add_api()
    cluster.add_worker()
    run_id = first.submit(run_of("a", "nap", "b", "nap", "c"))
    seen = []
    with httpx.stream("GET", f"{first.url}/runs/{run_id}/events",
                      headers={"Accept": "text/event-stream"}, timeout=30) as response:  # fmt: skip
        for event in sse_events(response):
            seen.append(event)
            if event[0] == 4:
                break

    rest = follow(f"{second.url}/runs/{run_id}/events", after=4)

    assert rest[0][0] == 5
    assert_well_formed(seen + rest)
    assert [r["index"] for r in case_results(seen + rest)] == [1, 2, 3, 4, 5]
    assert case_results(seen + rest) == first.run(run_id)["cases"]


def test_queued_jobs_survive_a_nats_server_restart(
    jetstream_cluster: Callable[[], Cluster],
) -> None:
    cluster = jetstream_cluster()
    api = cluster.add_api()
    library_run = api.submit({"problem": "aplusb", "language": "python3", "code": APLUSB})
    inline_run = api.submit(run_of("a", "b"))
    assert api.run(library_run)["status"] == api.run(inline_run)["status"] == "queued"
    assert cluster.nats is not None

    cluster.nats.restart()

    cluster.add_worker()
    for run_id in (library_run, inline_run):
        events = follow(f"{api.url}/runs/{run_id}/events")
        assert_well_formed(events)
        summary = events[-1][2]
        assert (summary["status"], summary["verdict"]) == ("finished", "AC")


@SECURE_TOO
def test_a_worker_stopped_with_sigterm_hands_its_job_back(
    jetstream_cluster: Callable[..., Cluster],
    secure: bool,
) -> None:
    cluster = jetstream_cluster(secure)
    api = cluster.add_api()
    first = cluster.add_worker()
    second = cluster.add_worker()
    run_id = api.submit(run_of("slow"))
    wait_for(lambda: first.sandboxed_pids("main.py") or second.sandboxed_pids("main.py"),
             30, "the slow case running")  # fmt: skip
    holder, other = (first, second) if first.sandboxed_pids("main.py") else (second, first)

    holder.stop()

    assert "handed back to the queue" in holder.log()
    assert not holder.sandboxed_pids()
    wait_for(lambda: other.sandboxed_pids("main.py"), 10, "the other worker running the job")
    assert "delivery 2 resumes after 2 events" in other.log()
    api.delete(run_id)
    events = follow(f"{api.url}/runs/{run_id}/events")
    assert_well_formed(events)
    assert [name for _, name, _ in events] == ["start", "compile", "complete"]
    assert events[-1][2]["status"] == "cancelled"


def test_a_run_goes_on_through_a_nats_server_restart_without_duplicates(
    jetstream_cluster: Callable[[], Cluster],
) -> None:
    cluster = jetstream_cluster()
    api = cluster.add_api()
    worker = cluster.add_worker()
    run_id = api.submit(run_of("a", "nap", "nap", "nap", "e"))
    wait_for(lambda: api.run(run_id)["cases"], 30, "the first case result")
    assert cluster.nats is not None

    # Down longer than a publish's 2 s timeout: the timed-out publish waits in nats-py's
    # buffer, its retry too, and both reach the new server (which stored both, once).
    cluster.nats.restart(down_for=3.0)

    events = follow(f"{api.url}/runs/{run_id}/events")
    assert_well_formed(events)
    assert [r["index"] for r in case_results(events)] == [1, 2, 3, 4, 5]
    assert events[-1][2]["status"] == "finished" and events[-1][2]["verdict"] == "AC"
    assert "reconnected to NATS" in worker.log()
