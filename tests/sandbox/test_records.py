"""The supervisor's records per case: a short case answers with one record (EXITED), a
longer one is announced (STARTED, with how long ago it was forked) before it ends.

Records are observed where the host decodes them (a spy on `Reply.decode`); the box,
the supervisor and the programs are real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from judgebox.sandbox import Box
from judgebox.sandbox.protocol import Reply, ReplyKind
from judgebox.vocabulary.limits import Limits

pytestmark = pytest.mark.anyio
STARTED_DELAY = 0.010  # supervisor.c STARTED_DELAY_MS


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Reply]]:
    """Every record the host decodes while the test runs."""
    seen: list[Reply] = []
    decode = Reply.decode.__func__  # type: ignore[attr-defined]

    def spy(cls: type[Reply], data: bytes) -> Reply:
        reply: Reply = decode(cls, data)
        seen.append(reply)
        return reply

    monkeypatch.setattr(Reply, "decode", classmethod(spy))
    yield seen


async def test_a_short_case_answers_with_one_record(box: Box, records: list[Reply]) -> None:
    """One wake-up of the host per trivial case, not two (STARTED, then EXITED)."""
    single = 0
    for _ in range(20):
        records.clear()
        result = await box.run(["/usr/bin/true"], limits=Limits())
        assert result.ok, result
        kinds = [r.kind for r in records]
        assert kinds[-1] is ReplyKind.EXITED and len(kinds) <= 2, kinds
        single += kinds == [ReplyKind.EXITED]
    # On a loaded host a few may take longer than the delay and be announced.
    assert single > 0


async def test_a_longer_case_is_announced_with_its_time_since_the_fork(
    box: Box, records: list[Reply]
) -> None:
    records.clear()
    result = await box.run(["/usr/bin/sleep", "0.2"], limits=Limits(cpu_time=1, wall_time=10))
    assert result.ok, result
    assert [r.kind for r in records] == [ReplyKind.STARTED, ReplyKind.EXITED]
    # The wall clock of the host's watchdog counts from the fork, not from the record.
    assert records[0].wall_ns >= STARTED_DELAY * 1e9
    assert records[0].pid == records[1].pid > 0


async def test_the_socket_of_a_killed_box_is_closed_once_its_reader_stops(box: Box) -> None:
    """The reader stays registered from case to case; after a kill and a restart the old
    socket must still be closed (its reader stops at EOF), not kept for the box's life."""
    await box.run(["/usr/bin/true"], limits=Limits())  # the first socket has its reader
    task = asyncio.ensure_future(
        box.run(["/usr/bin/sleep", "10"], limits=Limits(cpu_time=5, wall_time=20))
    )
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(3):  # the restarted box, with its new socket and reader
        assert (await box.run(["/usr/bin/true"], limits=Limits())).ok
    assert box.starts == 2
    deadline = time.monotonic() + 5.0  # generous: only "not kept for ever" matters
    while not box.finished_cleanup():
        assert time.monotonic() < deadline, "the killed box's socket was never closed"
        await asyncio.sleep(0.01)
