"""A job too large for one NATS message (scaleout/job_parts.py), against a real nats-server:
its pieces add up to the job, and a piece that is gone (expired after runs_retention, or
purged) or changed is a clear error for the worker, never a half-read job."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator

import nats
import pytest
from nats.js.errors import NotFoundError
from nats.js.kv import KeyValue
from scaleout_cluster import NatsServer

from judgebox.scaleout.job_parts import load_parts, store_parts
from judgebox.scaleout.jobs import Job
from judgebox.vocabulary.errors import JudgeboxError

MAX_PAYLOAD = 4096  # pieces of about 3 KiB: the job below needs several


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    try:
        yield server.url
    finally:
        server.stop()


def big_job(run_id: str) -> Job:
    cases = tuple({"name": f"c{i}", "input": f"{i} " * 500, "answer": f"{i}\n"} for i in range(8))
    return Job(run_id, "python3", "print(1)\n", "inline", total_cases=8, inline_cases=cases)


def with_bucket(nats_url: str, scenario: Callable[[KeyValue], Awaitable[None]]) -> None:
    """Run `scenario` on a fresh key-value bucket of the test server."""

    async def main() -> None:
        client = await nats.connect(nats_url)
        try:
            js = client.jetstream()
            with contextlib.suppress(NotFoundError):  # a first test: no bucket yet
                await js.delete_key_value("PARTS_TEST")
            bucket = await js.create_key_value(bucket="PARTS_TEST")
            await scenario(bucket)
        finally:
            await client.close()

    asyncio.run(main())


def test_the_pieces_add_up_to_the_job(nats_url: str) -> None:
    async def scenario(bucket: KeyValue) -> None:
        job = big_job("whole")
        head = await store_parts(bucket, job, job.to_bytes(), MAX_PAYLOAD)
        assert head.parts > 2 and head.inline_cases is None
        assert await load_parts(bucket, head) == job

    with_bucket(nats_url, scenario)


def test_a_piece_gone_is_a_clear_error(nats_url: str) -> None:
    async def scenario(bucket: KeyValue) -> None:
        job = big_job("expired")
        head = await store_parts(bucket, job, job.to_bytes(), MAX_PAYLOAD)
        await bucket.purge("job.expired.1")  # what the bucket's TTL does to a waiting run
        with pytest.raises(JudgeboxError, match="piece 1 of its job is gone from the runs"):
            await load_parts(bucket, head)

    with_bucket(nats_url, scenario)


def test_a_changed_piece_or_another_runs_pieces_are_refused(nats_url: str) -> None:
    async def scenario(bucket: KeyValue) -> None:
        job = big_job("changed")
        head = await store_parts(bucket, job, job.to_bytes(), MAX_PAYLOAD)
        await bucket.put("job.changed.0", b"x" * 100)
        with pytest.raises(JudgeboxError, match="the pieces of its job do not add up"):
            await load_parts(bucket, head)
        # Pieces that add up, but to another run's job: refused too.
        other = big_job("other")
        await store_parts(bucket, other, other.to_bytes(), MAX_PAYLOAD)
        for index in range(head.parts + 1):
            entry = await bucket.get(f"job.other.{index}")
            await bucket.put(f"job.changed.{index}", entry.value or b"")
        with pytest.raises(JudgeboxError, match="its stored job is another run's"):
            await load_parts(bucket, head)

    with_bucket(nats_url, scenario)
