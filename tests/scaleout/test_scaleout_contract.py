"""The runs contract, the same against the local executor and the JetStream one.

Local: one `judgebox serve` (one run at a time). JetStream: a nats-server, two
`judgebox serve --nats` API nodes and one `judgebox worker --slots 1`; a run
submitted on the first API node is followed or cancelled on the second.
"""

from __future__ import annotations

from typing import Any

import httpx
from conftest import Cluster
from scaleout_cluster import describe, follow, sse_events, wait_for

APLUSB = "a, b = map(int, input().split())\nprint(a + b)\n"
# Case "slow" sleeps far past any test; the others echo their input.
SLEEPY = "import time\nx = input()\nif x == 'slow':\n    time.sleep(60)\nprint(x)\n"


def sleepy_cases(*inputs: str) -> list[dict[str, str]]:
    """Inline cases whose answer is their input (the program SLEEPY echoes it)."""
    return [{"name": f"c{i}", "input": f"{x}\n", "answer": f"{x}\n"} for i, x in enumerate(inputs)]


def assert_well_formed(events: list[tuple[int, str, dict[str, Any]]]) -> None:
    """ids 1, 2, 3, …; start, compile, case-results in dataset order, complete last."""
    assert [ident for ident, _, _ in events] == list(range(1, len(events) + 1))
    names = [name for _, name, _ in events]
    assert names[0] == "start" and names[-1] == "complete"
    assert names.count("complete") == 1 and names.count("start") == 1
    indexes = [data["index"] for _, name, data in events if name == "case-result"]
    assert indexes == list(range(1, len(indexes) + 1))


def test_events_arrive_in_order_with_ids_from_one(cluster: Cluster) -> None:
    api = cluster.api[0]
    body = {"problem": "aplusb", "language": "python3", "code": APLUSB}
    with httpx.stream("POST", f"{api.url}/validate-dataset", json=body,
                      headers={"Accept": "text/event-stream"}, timeout=60) as response:  # fmt: skip
        assert response.status_code == 200
        events = list(sse_events(response))
    assert_well_formed(events)
    assert [name for _, name, _ in events] == ["start", "compile"] + ["case-result"] * 4 + [
        "complete"
    ]
    assert events[0][2]["problem"] == "aplusb" and events[0][2]["totalCases"] == 4
    summary = events[-1][2]
    assert (summary["status"], summary["verdict"], summary["passed"]) == ("finished", "AC", 4)
    # Any node answers for it, with the same events.
    run_id = events[0][2]["runId"]
    document = cluster.api[-1].run(run_id)
    assert document["eventCount"] == len(events) and document["status"] == "finished"


def test_inline_cases_are_judged(cluster: Cluster) -> None:
    body: dict[str, Any] = {"language": "python3", "code": SLEEPY, "cases": sleepy_cases("a", "b")}
    body["cases"][1]["answer"] = "not b\n"
    response = httpx.post(f"{cluster.api[0].url}/validate-dataset", json=body, timeout=60)
    document = response.json()
    assert [case["verdict"] for case in document["cases"]] == ["AC", "WA"]
    assert document["summary"]["status"] == "finished"


def test_delete_mid_run_kills_the_sandbox_and_runs_no_later_case(cluster: Cluster) -> None:
    submit_node, cancel_node = cluster.api[0], cluster.api[-1]
    run_id = submit_node.submit(
        {"language": "python3", "code": SLEEPY, "cases": sleepy_cases("a", "slow", "c")}
    )
    wait_for(lambda: submit_node.run(run_id)["cases"], 30, "the first case result")
    wait_for(lambda: cluster.programs(), 10, "the slow case running")

    answer = cancel_node.delete(run_id)

    assert answer["status"] == "cancelled"
    wait_for(lambda: not cluster.sandboxed_pids(), 5, "the sandbox dying")
    events = follow(f"{submit_node.url}/runs/{run_id}/events")
    assert_well_formed(events)
    assert [data.get("index") for _, name, data in events if name == "case-result"] == [1]
    assert events[-1][2]["status"] == "cancelled"
    assert submit_node.run(run_id)["eventCount"] == len(events)


def test_a_run_cancelled_while_queued_never_starts(cluster: Cluster) -> None:
    api = cluster.api[0]
    blocker = api.submit({"language": "python3", "code": SLEEPY, "cases": sleepy_cases("slow")})
    wait_for(lambda: cluster.programs(), 30, "the blocking run's program running")
    queued = api.submit({"language": "python3", "code": SLEEPY, "cases": sleepy_cases("a")})
    assert api.run(queued)["status"] == "queued"

    assert cluster.api[-1].delete(queued)["status"] == "cancelled"

    events = follow(f"{api.url}/runs/{queued}/events")
    assert [(ident, name) for ident, name, _ in events] == [(1, "start"), (2, "complete")]
    assert events[-1][2]["status"] == "cancelled"
    api.delete(blocker)
    wait_for(lambda: not cluster.sandboxed_pids(), 5, "the blocking run's sandbox dying")
    # The slot is free: a cancelled job left in the queue would run before this one.
    probe = api.submit({"language": "python3", "code": SLEEPY, "cases": sleepy_cases("a")})
    assert follow(f"{api.url}/runs/{probe}/events")[-1][2]["status"] == "finished"
    assert api.run(queued)["eventCount"] == 2


def test_closing_a_validate_dataset_stream_cancels_its_run(cluster: Cluster) -> None:
    api = cluster.api[0]
    body = {"language": "python3", "code": SLEEPY, "cases": sleepy_cases("slow")}
    with httpx.stream("POST", f"{api.url}/validate-dataset", json=body,
                      headers={"Accept": "text/event-stream"}, timeout=60) as response:  # fmt: skip
        events = sse_events(response)  # kept: closing it would close the stream
        run_id = next(events)[2]["runId"]
        wait_for(lambda: cluster.programs(), 30, "the program running")
    pids = cluster.sandboxed_pids()
    wait_for(lambda: not cluster.sandboxed_pids(), 5, f"the sandbox dying:\n{describe(pids)}")
    wait_for(lambda: cluster.api[-1].run(run_id)["status"] == "cancelled", 5, "complete/cancelled")
