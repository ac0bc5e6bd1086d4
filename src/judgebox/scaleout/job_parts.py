"""Jobs larger than one NATS message: their payload in pieces in the runs bucket.

    KV JUDGEBOX_RUNS  job.<runId>.<i>   piece i (0, 1, …) of the job's JSON payload
    JOBS              jobs.<language>   the head: {"runId", …, "parts": n}, no code or cases

NATS refuses a message over the server's max_payload (1 MiB by default) and a
JetStream message is one NATS message, so a request with large inputs (a body
cap raised past it) cannot be one job message. The API node stores the payload
first, then queues the head; a worker that takes the head reads the pieces back
(they live as long as run records: runs_retention) and checks their digest. The
API node that submitted the run purges them once the run is complete. Workers
may read the bucket and not write it, as for records (docs/nats-server.conf.example).
"""

from __future__ import annotations

import hashlib
import json

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from judgebox.scaleout.jobs import Job, job_from_bytes
from judgebox.vocabulary.errors import JudgeboxError

# Room left in each message for NATS's own protocol and headers (msg id, KV operation).
HEADROOM = 4096


def fits_one_message(payload: bytes, max_payload: int) -> bool:
    """Whether a job's payload travels as one JOBS message."""
    return len(payload) <= max_payload - HEADROOM


def _key(run_id: str, index: int) -> str:
    return f"job.{run_id}.{index}"


async def store_parts(bucket: KeyValue, job: Job, payload: bytes, max_payload: int) -> Job:
    """Store `payload` (the job's) in pieces that each fit a message; the head to queue."""
    size = max(1024, max_payload - HEADROOM)
    pieces = [payload[start : start + size] for start in range(0, len(payload), size)]
    for index, piece in enumerate(pieces):
        await bucket.put(_key(job.run_id, index), piece)
    digest = hashlib.sha256(payload).hexdigest()
    await bucket.put(_key(job.run_id, len(pieces)), json.dumps({"sha256": digest}).encode())
    return job.head(len(pieces))


async def load_parts(bucket: KeyValue, head: Job) -> Job:
    """The whole job of a head, read from the bucket; JudgeboxError if a piece is missing
    (expired: the run waited longer than runs_retention) or does not add up."""
    pieces: list[bytes] = []
    try:
        for index in range(head.parts + 1):
            entry = await bucket.get(_key(head.run_id, index))
            pieces.append(entry.value or b"")
    except KeyNotFoundError:
        raise JudgeboxError(
            f"run {head.run_id}: piece {len(pieces)} of its job is gone from the runs bucket "
            "(expired after runs_retention, or purged)"
        ) from None
    payload = b"".join(pieces[:-1])
    try:
        digest = json.loads(pieces[-1])["sha256"]
    except (ValueError, KeyError, TypeError):
        digest = None
    if digest != hashlib.sha256(payload).hexdigest():
        raise JudgeboxError(f"run {head.run_id}: the pieces of its job do not add up")
    job = job_from_bytes(payload)
    if job.run_id != head.run_id or job.parts:
        raise JudgeboxError(f"run {head.run_id}: its stored job is another run's")
    return job


async def purge_parts(bucket: KeyValue, run_id: str, parts: int) -> None:
    """Remove a job's pieces (the run is complete: no worker needs them again)."""
    for index in range(parts + 1):
        await bucket.purge(_key(run_id, index))
