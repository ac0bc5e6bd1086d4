"""One delivery of a job on a worker: resume from the log, judge, publish, heartbeat, cancel.

load ev.<runId>  ─ complete already there ─► ack (nothing to do)
subscribe cancel.<runId>, then read the KV flag (so no cancel falls in between)
  flag raised              ─► complete/cancelled, ack
  delivery > attempts      ─► complete/internal-error, ack (the job killed every worker)
  else judge with previous_results = the case results already logged:
    events 1..n already logged are skipped, the rest appended (compare-and-set)
    every heartbeat: msg.in_progress() and a look at the KV flag
  cancel (message or flag) ─► kill the run's boxes now, cancel the judging task,
                              then complete/cancelled, ack
  run time cap             ─► complete/timed-out, ack
  worker shutting down     ─► nak, ring ready.<language>: another worker resumes at the
                              next case
  another writer won       ─► stop; ack only if that writer ended the run
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from dataclasses import dataclass, field

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from judgebox.judging.judge import Judge
from judgebox.problems.library import ProblemLibrary
from judgebox.runs.run import Run
from judgebox.scaleout.eventlog import EventLog, EventLogConflict
from judgebox.scaleout.job_parts import load_parts
from judgebox.scaleout.jobs import Job
from judgebox.scaleout.records import RunRecords
from judgebox.scaleout.streams import JobTiming, cancel_subject, job_bell_subject
from judgebox.vocabulary.errors import JudgeboxError
from judgebox.vocabulary.verdicts import RunStatus

log = logging.getLogger("judgebox.worker")

SHUTDOWN = "shutdown"
_TIMED_OUT = "timeout"


@dataclass
class WorkerContext:
    """What every attempt of one worker shares."""

    nc: Client
    js: JetStreamContext
    records: RunRecords
    judge: Judge
    library: ProblemLibrary
    timing: JobTiming
    attempts: set[JobAttempt] = field(default_factory=set)


class JobAttempt:
    """Judge one delivered job to its end (or hand it back)."""

    def __init__(self, context: WorkerContext, msg: Msg, job: Job) -> None:
        self.context = context
        self.msg = msg
        self.job = job
        self.delivery = msg.metadata.num_delivered or 1
        self.stop_reason: str | None = None
        self.judging: asyncio.Task[None] | None = None
        self.log = EventLog(context.js, Run(job.run_id, job.problem, job.language, job.total_cases))

    def stop(self, reason: str) -> None:
        """Stop judging now: cancel the judging task (the judge kills its boxes at once)."""
        if self.stop_reason is not None:
            return
        self.stop_reason = reason
        if self.judging is None:
            log.info("run %s: stopping (%s)", self.job.run_id, reason)
            return
        # Cancel the task first, then SIGKILL the boxes here and now, without waiting for
        # a loop turn: the cancel lands on the task's next resume, before any I/O result it
        # was awaiting, so the judge does not report the dead box as an internal error
        # (and nothing after stop_reason is set is published: `_judge`). The kill is also
        # the backstop for a cancel that Python 3.11's wait_for swallowed.
        self.judging.cancel()
        self.context.judge.sandbox.kill_group(self.job.run_id)
        log.info("run %s: stopping (%s), its boxes killed", self.job.run_id, reason)

    async def run(self) -> None:
        """Carry the job through this delivery; never raises (the job is acked, nak'ed or left)."""
        run_id = self.job.run_id
        try:
            await self.log.load()
            if self.log.run.done:
                await self.msg.ack()
                return
            subscription = await self.context.nc.subscribe(
                cancel_subject(run_id), cb=self._on_cancel
            )
            try:
                await self._carry()
            finally:
                with contextlib.suppress(nats.errors.Error):
                    await subscription.unsubscribe()
        except EventLogConflict as exc:
            log.warning("run %s: %s; leaving it to that writer", run_id, exc)
            with contextlib.suppress(nats.errors.Error, EventLogConflict):
                await self.log.load()
                if self.log.run.done:
                    await self.msg.ack()
        except (nats.errors.Error, OSError) as exc:
            # NATS is unreachable for longer than the publish retries: no ack, so the job is
            # delivered again once the ack wait passes, and resumes from what was stored.
            log.error("run %s: lost NATS while judging (%s); it will be redelivered", run_id, exc)

    async def _carry(self) -> None:
        run_id = self.job.run_id
        reason = await self.context.records.cancelled(run_id)
        if reason is not None:
            self.stop_reason = reason
        elif self.delivery > self.context.timing.judging_attempts:
            log.error("run %s: delivery %d, every earlier worker died on it: internal-error",
                      run_id, self.delivery)  # fmt: skip
            await self.log.close(RunStatus.INTERNAL_ERROR)
            await self.msg.ack()
            return
        if self.stop_reason is None:
            if self.log.count:
                log.info("run %s: delivery %d resumes after %d events",
                         run_id, self.delivery, self.log.count)  # fmt: skip
            heartbeat = asyncio.create_task(self._heartbeat())
            self.judging = asyncio.create_task(self._judge())
            try:
                await self.judging
            except asyncio.CancelledError:
                if self.stop_reason is None:  # not ours: the worker's own task was cancelled
                    raise
            except Exception:
                log.exception("run %s: the judge raised", run_id)
            finally:
                heartbeat.cancel()
        await self._finish()

    async def _finish(self) -> None:
        """After the judging task unwound (its sandbox is dead): end, hand back or ack the job."""
        # An event whose publish was interrupted by the cancel may be stored: read it first.
        await self.log.load()
        if self.stop_reason == SHUTDOWN and not self.log.run.done:
            await self.msg.nak()
            # A redelivery rings no bell: an idle worker would find the job only on its
            # rescan of every language (~0.2 s each, seconds with 40 of them). Ring it.
            with contextlib.suppress(nats.errors.Error, OSError):
                await self.context.nc.publish(job_bell_subject(self.job.language), b"")
            log.info("run %s: handed back to the queue (worker shutting down)", self.job.run_id)
            return
        if not self.log.run.done:
            status = {
                None: RunStatus.INTERNAL_ERROR,  # the judge ended without `complete`
                _TIMED_OUT: RunStatus.TIMED_OUT,
            }.get(self.stop_reason, RunStatus.CANCELLED)
            await self.log.close(status)
            log.info("run %s ended: %s", self.job.run_id, status)
        await self.msg.ack()

    async def _judge(self) -> None:
        """Run the judge, publishing the events the log does not hold yet."""
        run_id = self.job.run_id
        inline_dir = self.context.judge.sandbox.workspace(f"inline-{run_id}")
        started = self.log.started_at or time.time()
        remaining = self.context.judge.settings.run_time_cap - (time.time() - started)
        cap = asyncio.get_running_loop().call_later(max(0.0, remaining), self.stop, _TIMED_OUT)
        try:
            job = self.job
            if job.parts:  # a head: the job itself is in the runs bucket (job_parts.py)
                job = await load_parts(self.context.records.bucket, job)
            # Reads the package and writes the request's cases: not on the event loop.
            problem = await asyncio.to_thread(job.load_problem, self.context.library, inline_dir)
            submission = job.submission(problem, self.log.case_results())
            events = self.context.judge.run(submission)
            try:
                position = 0
                async for event in events:
                    # Python 3.11's wait_for (inside nats-py) can swallow a cancel that
                    # lands as its reply arrives: the stop reason is checked as well.
                    if self.stop_reason is not None:
                        break
                    position += 1
                    if position > self.log.count:
                        await self.log.append(event)
            finally:
                aclose = getattr(events, "aclose", None)
                if aclose is not None:  # closing the generator kills the run's boxes
                    await aclose()
        except JudgeboxError as exc:
            log.error("run %s: cannot judge it here: %s", run_id, exc.message)
        finally:
            cap.cancel()
            shutil.rmtree(inline_dir, ignore_errors=True)

    async def _heartbeat(self) -> None:
        """Keep the job ours while judging, and look at the cancel flag (a missed message)."""
        while True:
            await asyncio.sleep(self.context.timing.heartbeat)
            with contextlib.suppress(nats.errors.Error):
                await self.msg.in_progress()
                reason = await self.context.records.cancelled(self.job.run_id)
                if reason is not None:
                    self.stop(reason)

    async def _on_cancel(self, msg: Msg) -> None:
        heard = time.monotonic()
        self.stop(msg.data.decode(errors="replace") or "delete")
        # Stamps on CLOCK_MONOTONIC, one clock for the whole host (bench_scaleout.py --trace).
        log.debug("run %s: cancel-trace worker heard=%.6f killed=%.6f",
                  self.job.run_id, heard, time.monotonic())  # fmt: skip
