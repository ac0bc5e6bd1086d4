"""Run records and cancel flags in the JUDGEBOX_RUNS key-value bucket, shared by every node.

    run.<runId>     {"problem", "language", "totalCases", "created", "jobSeq",
                     "cancelWhenUnwatched" (absent: false)}
    cancel.<runId>  the reason ("delete", "client", …): set once, read by workers

A record lets any API node answer for a run that has no event yet (queued), and
holds the JOBS sequence of its job so that a cancel can delete it from the queue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from judgebox.runs.run import Run


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What every node knows about a run before its first event."""

    run_id: str
    problem: str
    language: str
    total_cases: int
    created: float
    job_seq: int
    # cancelWhenUnwatched: the submitting node counts followers (watchers.py)
    watched: bool = False

    def new_run(self) -> Run:
        """An empty Run (queued) for this record."""
        return Run(self.run_id, self.problem, self.language, self.total_cases, created=self.created)


class RunRecords:
    """The bucket, read and written by run id."""

    def __init__(self, bucket: KeyValue) -> None:
        self.bucket = bucket

    async def put(self, record: RunRecord) -> None:
        """Store a run's record."""
        wire = {
            "problem": record.problem, "language": record.language,
            "totalCases": record.total_cases, "created": record.created,
            "jobSeq": record.job_seq,
        }  # fmt: skip
        if record.watched:
            wire["cancelWhenUnwatched"] = True
        await self.bucket.put(f"run.{record.run_id}", json.dumps(wire).encode())

    async def get(self, run_id: str) -> RunRecord | None:
        """The record of a run, or None when there is none (never submitted, or expired)."""
        if not valid_run_id(run_id):
            return None
        try:
            entry = await self.bucket.get(f"run.{run_id}")
        except KeyNotFoundError:
            return None
        if entry.value is None:
            return None
        wire = json.loads(entry.value)
        return RunRecord(run_id, wire["problem"], wire["language"], wire["totalCases"],
                         wire["created"], wire["jobSeq"],
                         bool(wire.get("cancelWhenUnwatched", False)))  # fmt: skip

    async def set_cancelled(self, run_id: str, reason: str) -> None:
        """Raise the run's cancel flag."""
        await self.bucket.put(f"cancel.{run_id}", reason.encode())

    async def cancelled(self, run_id: str) -> str | None:
        """The reason the run was cancelled, or None."""
        try:
            entry = await self.bucket.get(f"cancel.{run_id}")
        except KeyNotFoundError:
            return None
        return entry.value.decode() if entry.value else None


def valid_run_id(run_id: str) -> bool:
    """Run ids are ours (hex); anything else from a URL is simply unknown (and is never put
    into a subject: no `.`, `*` or `>`)."""
    return 0 < len(run_id) <= 128 and all(c.isalnum() or c in "-_" for c in run_id)
