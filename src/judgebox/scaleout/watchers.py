"""`cancelWhenUnwatched` across API nodes: the submitting node counts every node's followers.

    submitting node   UnwatchedRuns (runs/unwatched.py) for the runs it took with the option:
                      its own followers count directly, every other node as one follower
                      while it says so (RemoteFollowers)
    any other node    while it has followers of such a run (its record says so: `watched`),
                      core `watch.<runId>` {"node": <id>, "following": true} at once and
                      every `period`; {"following": false} when its last follower leaves
                      (FollowerReports)
    a node not heard for `lease` seconds (it died, or lost NATS) counts as gone

The messages are core NATS: a lost "following" costs at most one `period`
(the next one is heard well within the grace: period = grace / 4, lease = 3
periods), a lost "gone" at most one `lease`. If the submitting node itself
stops, nobody counts any more and the run goes on as without the option.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg

from judgebox.runs.unwatched import UnwatchedRuns
from judgebox.scaleout.records import valid_run_id
from judgebox.scaleout.streams import watch_subject

log = logging.getLogger("judgebox.scaleout")

Spawn = Callable[[Coroutine[Any, Any, None]], None]


def report_period(grace: float) -> float:
    """How often a node repeats that it follows a run (a quarter of the grace)."""
    return max(0.05, grace / 4)


class RemoteFollowers:
    """On the submitting node: other nodes heard following its watched runs, each counted as
    one follower of `unwatched` until it says it stopped or is not heard for `lease` s."""

    def __init__(self, unwatched: UnwatchedRuns, node: str) -> None:
        self.unwatched = unwatched
        self.node = node
        self.lease = 3 * report_period(unwatched.grace)
        self._leases: dict[tuple[str, str], asyncio.TimerHandle] = {}

    async def heard(self, msg: Msg) -> None:
        """A `watch.<runId>` message (the subscription's callback)."""
        run_id = msg.subject.partition(".")[2]
        if self.unwatched.followers(run_id) is None:
            return  # not a watched run of this node (or it ended)
        try:
            wire = json.loads(msg.data)
            node, following = str(wire["node"]), bool(wire["following"])
        except (ValueError, KeyError, TypeError):
            log.warning("run %s: a malformed watch message: %r", run_id, msg.data[:100])
            return
        if node == self.node:
            return
        key = (run_id, node)
        if following:
            timer = self._leases.pop(key, None)
            if timer is None:
                self.unwatched.attached(run_id)
            else:
                timer.cancel()
            loop = asyncio.get_running_loop()
            self._leases[key] = loop.call_later(self.lease, self._gone, key)
        else:
            self._gone(key)

    def forget(self, run_id: str) -> None:
        """The run ended: drop its nodes' leases."""
        for key in [key for key in self._leases if key[0] == run_id]:
            self._leases.pop(key).cancel()

    def _gone(self, key: tuple[str, str]) -> None:
        timer = self._leases.pop(key, None)
        if timer is not None:
            timer.cancel()
            self.unwatched.detached(key[0])


class FollowerReports:
    """On any node but the submitting one: tell it, while this node follows a watched run."""

    def __init__(self, nc: Client, node: str, grace: float, spawn: Spawn) -> None:
        self.nc = nc
        self.node = node
        self.period = report_period(grace)
        self.spawn = spawn
        self._followers: dict[str, int] = {}
        self._repeaters: dict[str, asyncio.Task[None]] = {}

    def attached(self, run_id: str) -> None:
        """A client of this node began following the run."""
        count = self._followers.get(run_id, 0) + 1
        self._followers[run_id] = count
        if count == 1:
            self._repeaters[run_id] = asyncio.create_task(self._repeat(run_id))

    def detached(self, run_id: str) -> None:
        """A client of this node stopped following; the last one tells the submitting node."""
        count = self._followers.get(run_id, 0) - 1
        if count > 0:
            self._followers[run_id] = count
            return
        self._followers.pop(run_id, None)
        repeater = self._repeaters.pop(run_id, None)
        if repeater is not None:
            repeater.cancel()
        self.spawn(self._send(run_id, following=False))

    def close(self) -> None:
        """Stop repeating (this node is stopping; the submitting node's leases run out)."""
        for repeater in self._repeaters.values():
            repeater.cancel()
        self._repeaters.clear()
        self._followers.clear()

    async def _repeat(self, run_id: str) -> None:
        while True:
            await self._send(run_id, following=True)
            await asyncio.sleep(self.period)

    async def _send(self, run_id: str, *, following: bool) -> None:
        if not valid_run_id(run_id):
            return
        payload = json.dumps({"node": self.node, "following": following}).encode()
        with contextlib.suppress(nats.errors.Error, OSError):  # NATS down: the lease decides
            await self.nc.publish(watch_subject(run_id), payload)


def node_id() -> str:
    """This API node's name in watch messages (random per process)."""
    return uuid.uuid4().hex
