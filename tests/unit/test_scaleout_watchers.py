"""The submitting node's count of other nodes' followers (scaleout/watchers.py), on a real loop.

The messages are real nats-py `Msg` objects as a subscription delivers them; the timers are
the real `UnwatchedRuns` ones with a short grace. The cross-node path through a real
nats-server is tests/scaleout/test_scaleout_unwatched.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from nats.aio.client import Client
from nats.aio.msg import Msg

from judgebox.runs.unwatched import UnwatchedRuns
from judgebox.scaleout.watchers import RemoteFollowers, report_period

GRACE_S = 0.2


def watch(run_id: str, node: str, following: bool) -> Msg:
    """A watch.<runId> message as another API node sends it."""
    payload = json.dumps({"node": node, "following": following}).encode()
    return Msg(Client(), subject=f"watch.{run_id}", data=payload)


async def until(condition: Callable[[], bool], within: float = 5.0) -> bool:
    """Wait (generously) for `condition()`; whether it came true."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.01)
    return False


def test_a_node_that_says_it_follows_keeps_the_run_until_it_says_it_left() -> None:
    async def scenario() -> list[str]:
        cancelled: list[str] = []
        unwatched = UnwatchedRuns(GRACE_S, cancelled.append)
        remote = RemoteFollowers(unwatched, node="here")
        unwatched.watch("r1")
        for _ in range(10):  # five graces, the other node repeating itself every period
            await remote.heard(watch("r1", "b", following=True))
            await asyncio.sleep(report_period(GRACE_S))
        assert cancelled == [] and unwatched.followers("r1") == 1
        await remote.heard(watch("r1", "b", following=False))
        assert unwatched.followers("r1") == 0
        assert await until(lambda: cancelled == ["r1"])
        return cancelled

    assert asyncio.run(scenario()) == ["r1"]


def test_a_node_not_heard_for_its_lease_counts_as_gone() -> None:
    async def scenario() -> None:
        cancelled: list[str] = []
        unwatched = UnwatchedRuns(GRACE_S, cancelled.append)
        remote = RemoteFollowers(unwatched, node="here")
        unwatched.watch("r1")
        await remote.heard(watch("r1", "b", following=True))
        assert unwatched.followers("r1") == 1
        # Node b dies without a word: its lease runs out, then the grace.
        assert await until(lambda: cancelled == ["r1"])

    asyncio.run(scenario())


def test_own_unknown_and_malformed_messages_count_for_nothing() -> None:
    async def scenario() -> None:
        unwatched = UnwatchedRuns(60.0, lambda run_id: None)
        remote = RemoteFollowers(unwatched, node="here")
        unwatched.watch("r1")
        await remote.heard(watch("r1", "here", following=True))  # this node's own
        await remote.heard(watch("r2", "b", following=True))  # not a watched run of ours
        await remote.heard(Msg(Client(), subject="watch.r1", data=b"not json"))
        assert unwatched.followers("r1") == 0 and unwatched.followers("r2") is None
        await remote.heard(watch("r1", "b", following=True))
        await remote.heard(watch("r1", "b", following=True))  # a repeat is the same follower
        await remote.heard(watch("r1", "c", following=True))
        assert unwatched.followers("r1") == 2
        remote.forget("r1")
        unwatched.forget("r1")

    asyncio.run(scenario())
