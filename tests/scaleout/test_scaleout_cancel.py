"""Cancel across nodes: what goes on the wire, in which order (the latency is in the bench).

The worker kills on the core message cancel.<runId>; the KV flag is the durable
backstop for a worker that was not listening yet. So the message must leave the
API node before any JetStream round trip, and again once the flag is stored.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
from scaleout_cluster import follow, wait_for
from test_scaleout_contract import SLEEPY, sleepy_cases

from judgebox.scaleout.streams import connect
from judgebox.settings import settings_from_env

if TYPE_CHECKING:
    from conftest import Cluster


class WireTap:
    """A thread with its own NATS client, recording cancel messages and cancel-flag writes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: list[str] = []
        self.ready = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._listen(),), daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the wire tap did not connect"

    async def _listen(self) -> None:
        client = await connect(settings_from_env({}, nats_url=self.url), "wire-tap")

        async def keep(msg: object) -> None:
            subject: str = msg.subject  # type: ignore[attr-defined]
            self.seen.append("flag" if subject.startswith("$KV.") else "message")

        await client.subscribe("cancel.>", cb=keep)
        await client.subscribe("$KV.JUDGEBOX_RUNS.cancel.>", cb=keep)
        await client.flush()
        self.ready.set()
        while not self.done.is_set():
            await asyncio.sleep(0.02)
        await client.close()

    def stop(self) -> list[str]:
        """Stop listening; what was seen, in order."""
        self.done.set()
        self.thread.join(10)
        return self.seen


def test_the_cancel_message_leaves_before_the_flag_and_again_after_it(
    jetstream_cluster: Callable[..., Cluster],
) -> None:
    cluster = jetstream_cluster()
    submit_node, cancel_node = cluster.add_api(), cluster.add_api()
    worker = cluster.add_worker()
    assert cluster.nats is not None
    run_id = submit_node.submit(
        {"language": "python3", "code": SLEEPY, "cases": sleepy_cases("slow")}
    )
    wait_for(lambda: worker.sandboxed_pids("main.py"), 30, "the program running")
    tap = WireTap(cluster.nats.url)

    assert cancel_node.delete(run_id)["status"] == "cancelled"
    # Not a run id (nor a safe subject token): 404, and nothing is published for it.
    assert httpx.delete(f"{cancel_node.url}/runs/x.y", timeout=10).status_code == 404

    wait_for(lambda: len(tap.seen) >= 3, 5, "the cancel messages and the flag")
    assert tap.stop() == ["message", "flag", "message"]
    wait_for(lambda: not worker.sandboxed_pids(), 5, "the sandbox dying")
    assert follow(f"{submit_node.url}/runs/{run_id}/events")[-1][2]["status"] == "cancelled"
