"""`cancelWhenUnwatched` on JetStream: the submitting API node counts every node's followers.

A follower on another API node keeps the run alive (its node says so on watch.<runId>);
once nobody follows it for the grace, the submitting node cancels it and the worker kills
its boxes. The cross-node case runs on the secure setup, so the example nats-server
config is shown to allow exactly what it needs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from scaleout_cluster import wait_for
from test_scaleout_contract import SLEEPY, sleepy_cases

if TYPE_CHECKING:
    from conftest import Cluster

GRACE_S = 2.0
# Each case runs into its wall limit (3 s by default): the run lasts about 45 s unless cancelled.
WATCHED = {"language": "python3", "code": SLEEPY, "cases": sleepy_cases(*["slow"] * 15),
           "cancelWhenUnwatched": True}  # fmt: skip


class Follower:
    """A client holding GET /runs/{id}/events open in a thread until `leave()`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connected = threading.Event()
        self.leaving = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()
        assert self.connected.wait(15), "the follower did not connect"

    def _follow(self) -> None:
        headers = {"Accept": "text/event-stream"}
        with httpx.stream("GET", self.url, headers=headers, timeout=60) as response:
            assert response.status_code == 200
            self.connected.set()
            for _ in response.iter_lines():  # the node pings every second
                if self.leaving.is_set():
                    return

    def leave(self) -> None:
        """Close the stream."""
        self.leaving.set()
        self.thread.join(15)


def _status(node: Any, run_id: str) -> str:
    status: str = node.run(run_id)["status"]
    return status


def test_an_unfollowed_run_is_cancelled_after_the_grace(
    jetstream_cluster: Callable[..., Cluster],
) -> None:
    cluster = jetstream_cluster()
    cluster.env["JUDGEBOX_UNWATCHED_GRACE"] = str(GRACE_S)
    api = cluster.add_api()
    worker = cluster.add_worker()

    run_id = api.submit(WATCHED)

    wait_for(lambda: _status(api, run_id) == "cancelled", GRACE_S + 20, "the unwatched cancel")
    wait_for(lambda: not worker.sandboxed_pids(), 10, "the run's boxes dying")
    assert f"run {run_id} cancelled: no client followed it for 2 s" in api.log()


def test_a_follower_on_another_node_keeps_the_run_until_it_leaves(
    jetstream_cluster: Callable[..., Cluster],
) -> None:
    cluster = jetstream_cluster(secure=True)
    cluster.env["JUDGEBOX_UNWATCHED_GRACE"] = str(GRACE_S)
    submit_node, other_node = cluster.add_api(), cluster.add_api()
    worker = cluster.add_worker()
    run_id = submit_node.submit(WATCHED)
    follower = Follower(f"{other_node.url}/runs/{run_id}/events")
    wait_for(lambda: worker.sandboxed_pids("main.py"), 30, "the program running")

    for _ in range(int(3 * GRACE_S / 0.5)):  # three graces, followed only on the other node
        assert _status(submit_node, run_id) == "running"
        time.sleep(0.5)
    assert worker.sandboxed_pids("main.py")

    follower.leave()

    wait_for(lambda: _status(submit_node, run_id) == "cancelled", GRACE_S + 20,
             "the cancel once the follower left")  # fmt: skip
    wait_for(lambda: not worker.sandboxed_pids(), 10, "the run's boxes dying")
