"""The JetStream executor: an API node that queues runs for workers and follows their events.

    submit  ─► JOBS jobs.<language> (message id = run id) + record run.<runId> in KV
               (a job over one message: its pieces in KV first, the head on JOBS)
    get / follow ─► RunMirror: a local Run fed from EVENTS ev.<runId> (any node, any run)
    cancel  ─► core cancel.<runId> first (the worker kills the sandbox at once and writes
               complete/cancelled), then KV cancel.<runId> and cancel.<runId> again (a
               worker that starts the run meanwhile sees one or the other); a run with no
               event yet is taken out
               of the queue and ended here (compare-and-set: if a worker won, it ends it)

`cancelWhenUnwatched`: the submitting node counts the run's followers, its own
and other nodes' (watch.<runId>, watchers.py), and cancels it after the grace.

Runs live on the workers, not on this node: `begin_shutdown()` refuses new runs
but cancels none (a `/validate-dataset` stream that the shutdown cuts cancels
its run as any disconnect does); `/runs` go on and any other node serves them.
Metrics of a run are reported by the node that submitted it; the cancel time
(cancel → sandbox dead → complete stored) by the node that cancelled it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from judgebox.judging.judge import Submission
from judgebox.runs.executor import CancelReason, RunObserver, SilentObserver
from judgebox.runs.run import Run, SequencedEvent
from judgebox.runs.unwatched import UnwatchedRuns
from judgebox.scaleout.eventlog import EventLog, EventLogConflict
from judgebox.scaleout.job_parts import fits_one_message, purge_parts, store_parts
from judgebox.scaleout.jobs import job_from_submission
from judgebox.scaleout.mirrors import RunMirror
from judgebox.scaleout.records import RunRecord, RunRecords, valid_run_id
from judgebox.scaleout.security import describe
from judgebox.scaleout.streams import (
    JOBS_STREAM,
    cancel_subject,
    connect,
    ensure_layout,
    job_bell_subject,
    job_subject,
    watch_subject,
)
from judgebox.scaleout.watchers import FollowerReports, RemoteFollowers, node_id
from judgebox.settings import Settings
from judgebox.vocabulary.errors import (
    QueueFullError,
    ShuttingDownError,
    UnknownRunError,
)
from judgebox.vocabulary.events import CaseResultEvent, CompleteEvent, StartEvent
from judgebox.vocabulary.verdicts import RunStatus

log = logging.getLogger("judgebox.scaleout")

_KEEP_FINISHED_S = 120.0  # how long a finished run's mirror stays in memory


class JetStreamExecutor:
    """An Executor whose runs execute on `judgebox worker` processes through NATS JetStream."""

    def __init__(self, settings: Settings, observer: RunObserver | None = None) -> None:
        if not settings.nats_url:
            raise ValueError("JetStreamExecutor needs settings.nats_url")
        self.settings = settings
        self.observer: RunObserver = observer or SilentObserver()
        self.mirrors: dict[str, RunMirror] = {}
        self.submitted: set[str] = set()  # runs whose metrics this node reports
        self.cancels: dict[str, tuple[CancelReason, float]] = {}  # reason, perf_counter
        self.parted: dict[str, int] = {}  # runs submitted here whose job is in pieces
        self.chores: set[asyncio.Task[None]] = set()
        self.stopping = False
        self.queued = 0
        self.mean_seconds = 5.0
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._records: RunRecords | None = None
        self.node = node_id()
        self.unwatched = UnwatchedRuns(settings.unwatched_grace, self._unwatched)
        self.remote_followers = RemoteFollowers(self.unwatched, self.node)
        self.watched: set[str] = set()  # runs submitted with cancelWhenUnwatched (any node)
        self._reports: FollowerReports | None = None

    @property
    def js(self) -> JetStreamContext:
        """The JetStream context (once `start()` ran)."""
        if self._js is None:
            raise RuntimeError("JetStreamExecutor.start() was not awaited")
        return self._js

    @property
    def records(self) -> RunRecords:
        """The run records (once `start()` ran)."""
        if self._records is None:
            raise RuntimeError("JetStreamExecutor.start() was not awaited")
        return self._records

    async def start(self) -> None:
        """Connect to NATS and make sure the streams and the bucket exist."""
        assert self.settings.nats_url is not None
        self._nc = await connect(self.settings, name="judgebox-api")
        self._js = self._nc.jetstream()
        self._records = RunRecords(await ensure_layout(self._js, self.settings))
        self._reports = FollowerReports(
            self._nc, self.node, self.settings.unwatched_grace, self._spawn
        )
        await self._nc.subscribe(watch_subject("*"), cb=self.remote_followers.heard)
        log.info(
            "runs go to NATS JetStream at %s (%s)", self.settings.nats_url, describe(self.settings)
        )

    async def submit(self, submission: Submission, *, cancel_when_unwatched: bool = False) -> None:
        """Queue the run for a worker; QueueFullError when max_queued_runs wait already.

        `cancel_when_unwatched`: this node cancels the run once no client of any node has
        followed it for `unwatched_grace` seconds (watchers.py).
        """
        if self.stopping:
            raise ShuttingDownError("the server is shutting down; submit again once it is back")
        self.queued = await self._count_queued()
        if self.queued >= self.settings.max_queued_runs:
            retry = max(1, math.ceil(self.mean_seconds))
            message = f"{self.queued} runs are already queued; retry in {retry} s"
            raise QueueFullError(message, retry)
        created = time.time()
        job = job_from_submission(submission, created)
        payload = job.to_bytes()
        assert self._nc is not None
        if not fits_one_message(payload, self._nc.max_payload):
            # Over NATS's max_payload: the job goes into the runs bucket in pieces first.
            head = await store_parts(self.records.bucket, job, payload, self._nc.max_payload)
            self.parted[submission.run_id] = head.parts
            payload = head.to_bytes()
        try:
            ack = await self.js.publish(
                job_subject(submission.language), payload,
                headers={api.Header.MSG_ID: submission.run_id},
            )  # fmt: skip
        except BaseException:
            parts = self.parted.pop(submission.run_id, None)
            if parts is not None:  # no job refers to them
                self._spawn(self._purge_parts(submission.run_id, parts))
            raise
        await self._nc.publish(job_bell_subject(submission.language), b"")
        problem = submission.problem
        record = RunRecord(submission.run_id, problem.name, submission.language,
                           len(problem.cases), created, ack.seq,
                           watched=cancel_when_unwatched)  # fmt: skip
        await self.records.put(record)
        self.submitted.add(record.run_id)
        if cancel_when_unwatched:
            self.watched.add(record.run_id)
            self.unwatched.watch(record.run_id)
        mirror = self._mirror(record.new_run())
        mirror.start_tailing()
        log.info("run %s queued: problem %s, language %s, %d cases",
                 record.run_id, record.problem, record.language, record.total_cases)  # fmt: skip

    def cancel(self, run_id: str, reason: CancelReason) -> None:
        """Ask the run to stop on whichever worker holds it; returns at once (unknown: no-op)."""
        mirror = self.mirrors.get(run_id)
        if run_id in self.cancels or (mirror is not None and mirror.run.done):
            return
        self.cancels[run_id] = (reason, time.perf_counter())
        self._spawn(self._cancel(run_id, reason, time.monotonic()))

    async def get(self, run_id: str) -> Run:
        """The run as it is now, live-updated on this node; UnknownRunError if there is none."""
        return (await self._loaded_mirror(run_id)).run

    async def follow(self, run_id: str, after: int = 0) -> AsyncIterator[SequencedEvent]:
        """The run's events after seq `after`, then live ones until `complete`; counted as
        a follower of a `cancelWhenUnwatched` run (here or, through NATS, on its node)."""
        run = await self.get(run_id)
        here = self._attach(run)
        try:
            async for item in run.follow(after):
                yield item
        finally:
            if here is not None:
                self._detach(run_id, here)

    def queue_length(self) -> int:
        """Jobs waiting for a worker, as of this node's last submit."""
        return self.queued

    def begin_shutdown(self) -> None:
        """Refuse new runs; the runs themselves go on on the workers."""
        self.stopping = True

    async def close(self, timeout: float) -> None:
        """Let pending cancels reach NATS (bounded), stop tailing, close the connection."""
        self.stopping = True
        # Nobody counts followers once this node is gone: its watched runs go on (api.md).
        for run_id in list(self.watched):
            self.unwatched.forget(run_id)
            self.remote_followers.forget(run_id)
        if self._reports is not None:
            self._reports.close()
        if self.chores:
            await asyncio.wait(list(self.chores), timeout=timeout)
        tails = [m.task for m in self.mirrors.values() if m.task is not None and not m.task.done()]
        for task in tails:
            task.cancel()
        if tails:
            await asyncio.wait(tails, timeout=1.0)
        if self._nc is not None:
            try:
                await asyncio.wait_for(self._nc.close(), timeout=max(0.5, timeout / 2))
            except (TimeoutError, nats.errors.Error) as exc:
                log.warning("closing the NATS connection: %s", exc)

    def _attach(self, run: Run) -> bool | None:
        """Count a new follower of a watched run: True if it was submitted here, False if
        on another node (told through NATS), None when the run is not watched."""
        if run.done or run.run_id not in self.watched:
            return None
        if self.unwatched.followers(run.run_id) is not None:
            self.unwatched.attached(run.run_id)
            return True
        assert self._reports is not None
        self._reports.attached(run.run_id)
        return False

    def _detach(self, run_id: str, here: bool) -> None:
        if here:
            self.unwatched.detached(run_id)
        else:
            assert self._reports is not None
            self._reports.detached(run_id)

    def _unwatched(self, run_id: str) -> None:
        log.info("run %s cancelled: no client followed it for %g s",
                 run_id, self.unwatched.grace)  # fmt: skip
        self.cancel(run_id, CancelReason.UNWATCHED)

    async def _count_queued(self) -> int:
        """Jobs in JOBS that no worker holds yet (the whole cluster's queue)."""
        stream = await self.js.stream_info(JOBS_STREAM)
        held = sum(c.num_ack_pending or 0 for c in await self.js.consumers_info(JOBS_STREAM))
        return max(0, (stream.state.messages or 0) - held)

    def _mirror(self, run: Run) -> RunMirror:
        assert self._nc is not None
        mirror = self.mirrors.get(run.run_id)
        if mirror is None:
            mirror = RunMirror(self._nc, self.js, run, self._observe)
            self.mirrors[run.run_id] = mirror
        return mirror

    async def _loaded_mirror(self, run_id: str) -> RunMirror:
        mirror = self.mirrors.get(run_id)
        if mirror is not None:
            return mirror
        record = await self.records.get(run_id)
        if record is None:
            raise UnknownRunError(
                f"no run {run_id!r}: it never existed or it expired (runs are kept "
                f"{self.settings.runs_retention:g} s); submit the code again with POST /runs"
            )
        if record.watched:
            self.watched.add(run_id)
        mirror = self._mirror(record.new_run())
        if mirror.log.count == 0:
            await mirror.refresh()
        mirror.start_tailing()
        if mirror.run.done:
            self._forget_later(run_id)
        return mirror

    def _observe(self, run: Run, item: SequencedEvent) -> None:
        """Report one newly seen event (metrics on the submitting node, cancels on the asker)."""
        event = item.event
        reporting = run.run_id in self.submitted
        if isinstance(event, StartEvent) and reporting:
            self.observer.run_started()
        elif isinstance(event, CaseResultEvent) and reporting:
            self.observer.case_judged(event.result.verdict)
        elif isinstance(event, CompleteEvent):
            self._finished(run, event)

    def _finished(self, run: Run, event: CompleteEvent) -> None:
        status = event.summary.status
        asked = self.cancels.pop(run.run_id, None)
        if asked is not None and status in (RunStatus.CANCELLED, RunStatus.TIMED_OUT):
            seconds = time.perf_counter() - asked[1]
            self.observer.run_cancelled(asked[0], seconds)
            log.info("run %s cancelled (%s): complete stored %.1f ms after the cancel",
                     run.run_id, asked[0], seconds * 1000)  # fmt: skip
        self.unwatched.forget(run.run_id)
        self.remote_followers.forget(run.run_id)
        if run.run_id in self.submitted:
            self.submitted.discard(run.run_id)
            self.observer.run_finished(status)
            took = time.time() - run.created
            self.mean_seconds = 0.8 * self.mean_seconds + 0.2 * took
            s = event.summary
            log.info("run %s finished: %s, verdict %s, %d passed, %d failed, %d skipped",
                     run.run_id, s.status, s.verdict, s.passed, s.failed, s.skipped)  # fmt: skip
        parts = self.parted.pop(run.run_id, None)
        if parts is not None:  # no worker needs the job's pieces any more
            self._spawn(self._purge_parts(run.run_id, parts))
        self._forget_later(run.run_id)

    async def _purge_parts(self, run_id: str, parts: int) -> None:
        try:
            await purge_parts(self.records.bucket, run_id, parts)
        except (nats.errors.Error, OSError) as exc:  # they expire with the records anyway
            log.warning("run %s: its job's pieces stay until they expire: %s", run_id, exc)

    def _forget_later(self, run_id: str) -> None:
        def forget() -> None:
            self.mirrors.pop(run_id, None)
            self.watched.discard(run_id)

        asyncio.get_running_loop().call_later(_KEEP_FINISHED_S, forget)

    async def _cancel(self, run_id: str, reason: CancelReason, asked: float) -> None:
        if not valid_run_id(run_id):  # not a run of ours, and not a safe subject token
            return
        assert self._nc is not None
        try:
            # The worker holding the run kills it on this message: it goes out first, before
            # any JetStream round trip (an unknown run id is heard by nobody).
            began = time.monotonic()
            await self._nc.publish(cancel_subject(run_id), str(reason).encode())
            await self._nc.flush(timeout=2)
            # CLOCK_MONOTONIC is one clock for every process of the host: bench_scaleout.py
            # --trace lines these stamps up with the worker's and its own (docs/scaleout.md).
            log.debug("run %s: cancel-trace api asked=%.6f task=%.6f flushed=%.6f",
                      run_id, asked, began, time.monotonic())  # fmt: skip
            record = await self.records.get(run_id)
            if record is None:
                return
            await self.records.set_cancelled(run_id, str(reason))
            # Again once the flag is stored: a worker that subscribed after the first message
            # reads the flag after this one (attempt.py), so it misses neither.
            await self._nc.publish(cancel_subject(run_id), str(reason).encode())
            await self._nc.flush(timeout=2)
            mirror = await self._loaded_mirror(run_id)
            await mirror.refresh()
            if mirror.log.count == 0:
                await self._end_queued(record, reason)
        except (nats.errors.Error, OSError) as exc:
            log.error("run %s: the cancel could not reach NATS: %s", run_id, exc)
        finally:
            current = self.mirrors.get(run_id)
            if current is None or current.run.done:
                self.cancels.pop(run_id, None)

    async def _end_queued(self, record: RunRecord, reason: CancelReason) -> None:
        """No worker has started the run: take its job out of the queue and end it here."""
        with contextlib.suppress(NotFoundError):  # a worker took it and acked it already
            await self.js.delete_msg(JOBS_STREAM, record.job_seq)
        status = RunStatus.TIMED_OUT if reason is CancelReason.TIMEOUT else RunStatus.CANCELLED
        writer = EventLog(self.js, record.new_run())
        try:
            await writer.close(status)
        except EventLogConflict:
            log.info("run %s: a worker started it meanwhile; it ends the run", record.run_id)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self.chores.add(task)
        task.add_done_callback(self.chores.discard)
