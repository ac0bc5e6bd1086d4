"""`judgebox worker --nats URL [--slots K]`: pull jobs, judge them here, publish their events.

    one durable pull consumer per language this host can judge (jobs-<language>)
    dispatcher:  wait for a free slot ─► fetch one job (languages that may have work
                 first; the core subject ready.<language> rings when one is queued)
                 ─► JobAttempt (attempt.py) as a task, the slot freed when it ends
    SIGTERM / SIGINT: stop fetching, kill every box, hand every job back (nak), exit

The sandbox and the judge are the CLI's: `Sandbox.open` + `Judge`. A worker that
dies outright takes its boxes with it (each supervisor watches its pidfd); JetStream
delivers its jobs again after the ack wait, and the next worker resumes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from judgebox.judging.answers import ANSWER_LANGUAGE_ID
from judgebox.judging.judge import Judge
from judgebox.judging.sandbox_setup import sandbox_config
from judgebox.problems.library import ProblemLibrary
from judgebox.sandbox import Sandbox
from judgebox.scaleout.attempt import SHUTDOWN, JobAttempt, WorkerContext
from judgebox.scaleout.jobs import job_from_bytes
from judgebox.scaleout.records import RunRecords
from judgebox.scaleout.security import describe
from judgebox.scaleout.streams import (
    JOBS_STREAM,
    JobTiming,
    connect,
    ensure_job_consumer,
    job_bell_subject,
    job_consumer_name,
    job_timing,
    open_layout,
)
from judgebox.settings import Settings
from judgebox.vocabulary.errors import JudgeboxError, UsageError

log = logging.getLogger("judgebox.worker")

_FETCH_WAIT_S = 0.2  # one language's fetch (it ends at once when a job is there)
_RESCAN_S = 1.0  # idle this long without a bell: look at every language (redeliveries ring none)


async def run_worker(settings: Settings, slots: int = 1) -> None:
    """Judge jobs from NATS JetStream, `slots` at a time, until SIGTERM or SIGINT."""
    if not settings.nats_url:
        raise UsageError("give the NATS server to pull jobs from: --nats nats://HOST:4222")
    if slots < 1:
        raise UsageError(f"--slots must be 1 or more, not {slots}")
    timing = job_timing(settings)
    config = sandbox_config(settings)
    boxes = slots * max(1, settings.parallelism)  # each run: `parallelism` boxes at once
    if boxes > config.uid_count:
        raise UsageError(
            f"--slots {slots} with parallelism {settings.parallelism} needs {boxes} sandbox "
            f"uids, more than the {config.uid_count} a worker has: lower --slots or "
            "JUDGEBOX_PARALLELISM, or raise JUDGEBOX_UID_COUNT"
        )
    sandbox = Sandbox.open(config)
    try:
        judge = await asyncio.to_thread(Judge, settings, sandbox)
        if not judge.toolchains:
            raise JudgeboxError("no language toolchain is installed here: nothing to judge")
        await Worker(settings, judge, slots, timing).serve()
    finally:
        sandbox.kill_all_boxes()
        sandbox.close()


class Worker:
    """The dispatcher of one worker process."""

    def __init__(self, settings: Settings, judge: Judge, slots: int, timing: JobTiming) -> None:
        self.settings = settings
        self.judge = judge
        self.slots = asyncio.Semaphore(slots)
        self.slot_count = slots
        self.timing = timing
        # Submit-answer runs (the `answer` language) need no toolchain: every worker takes them.
        self.languages = sorted({*judge.toolchains, ANSWER_LANGUAGE_ID})
        # Languages whose bell rang since their last fetch, in ringing order: fetched first.
        self.rung: dict[str, None] = {}
        # The languages of a rescan still to look at (every one, after an idle spell).
        self.rescan: list[str] = list(self.languages)
        self.doorbell = asyncio.Event()
        self.stopping = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()

    async def serve(self) -> None:
        """Connect, subscribe, dispatch until told to stop, then hand back what is running."""
        assert self.settings.nats_url is not None
        nc = await connect(self.settings, name="judgebox-worker")
        try:
            js = nc.jetstream()
            records = RunRecords(await open_layout(js, self.settings))
            subscriptions = {}
            for language in self.languages:
                await ensure_job_consumer(js, language, self.timing)
                subscriptions[language] = await js.pull_subscribe_bind(
                    durable=job_consumer_name(language), stream=JOBS_STREAM
                )
            await nc.subscribe(job_bell_subject("*"), cb=self._ring)
            library = ProblemLibrary(self.settings.problems_dir, cache_dir=self.settings.cache_dir)
            context = WorkerContext(nc, js, records, self.judge, library, self.timing)
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stopping.set)
            log.info("worker ready: %d slots, languages %s, NATS %s (%s), ack wait %g s",
                     self.slot_count, ", ".join(self.languages), self.settings.nats_url,
                     describe(self.settings), self.timing.ack_wait)  # fmt: skip
            await self._dispatch(context, subscriptions)
            await self._hand_back(context)
        finally:
            with contextlib.suppress(nats.errors.Error, TimeoutError):
                await asyncio.wait_for(nc.close(), 5)

    async def _ring(self, msg: Msg) -> None:
        language = msg.subject.partition(".")[2]
        if language in self.languages:
            self.rung[language] = None
            self.doorbell.set()

    async def _dispatch(
        self, context: WorkerContext, subscriptions: dict[str, JetStreamContext.PullSubscription]
    ) -> None:
        stop: asyncio.Future[object] = asyncio.ensure_future(self.stopping.wait())
        try:
            while not self.stopping.is_set():
                acquire: asyncio.Future[object] = asyncio.ensure_future(self.slots.acquire())
                await asyncio.wait({acquire, stop}, return_when=asyncio.FIRST_COMPLETED)
                if self.stopping.is_set():
                    if acquire.done():
                        self.slots.release()
                    acquire.cancel()
                    return
                msg = await self._next_job(subscriptions, stop)
                if msg is None:
                    self.slots.release()
                    continue
                self._start(context, msg)
        finally:
            stop.cancel()

    async def _next_job(
        self,
        subscriptions: dict[str, JetStreamContext.PullSubscription],
        stop: asyncio.Future[object],
    ) -> Msg | None:
        """One job from a language that may have work; None when stopping.

        A language whose bell rang is fetched next, before the rest of a rescan: with
        some 40 languages a rescan is seconds of fetches that find nothing, and a job
        must not wait behind them (it did: 1-5 s of queue wait on an idle worker).
        """
        while not self.stopping.is_set():
            language = self._next_language()
            if language is None:  # nothing rang, the rescan is done: wait for a bell
                self.doorbell.clear()
                bell: asyncio.Future[object] = asyncio.ensure_future(self.doorbell.wait())
                await asyncio.wait({bell, stop}, timeout=_RESCAN_S,
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                bell.cancel()
                if not self.doorbell.is_set() and not self.rung:
                    self.rescan = list(self.languages)
                continue
            try:
                msgs = await subscriptions[language].fetch(1, timeout=_FETCH_WAIT_S)
            except (nats.errors.Error, OSError):  # a timeout: nothing there now
                continue
            if msgs:
                # More may wait behind it: look at this language again before the rest.
                self.rung[language] = None
                return msgs[0]
        return None

    def _next_language(self) -> str | None:
        """The language to fetch from next: the first that rang, else the rescan's next."""
        if self.rung:
            language = next(iter(self.rung))
            del self.rung[language]
            with contextlib.suppress(ValueError):
                self.rescan.remove(language)  # looked at now: not again in this rescan
            return language
        return self.rescan.pop(0) if self.rescan else None

    def _start(self, context: WorkerContext, msg: Msg) -> None:
        try:
            job = job_from_bytes(msg.data)
        except JudgeboxError as exc:
            log.error("dropping a malformed job (stream seq %s): %s",
                      msg.metadata.sequence.stream, exc.message)  # fmt: skip
            self.slots.release()
            term = asyncio.create_task(msg.term())
            self.tasks.add(term)
            term.add_done_callback(self.tasks.discard)
            return
        attempt = JobAttempt(context, msg, job)
        log.info("run %s: delivery %d taken (%s, %d cases)",
                 job.run_id, attempt.delivery, job.language, job.total_cases)  # fmt: skip
        context.attempts.add(attempt)
        task = asyncio.create_task(attempt.run(), name=f"job-{job.run_id}")
        self.tasks.add(task)

        def done(_: asyncio.Task[None]) -> None:
            self.tasks.discard(task)
            context.attempts.discard(attempt)
            self.slots.release()

        task.add_done_callback(done)

    async def _hand_back(self, context: WorkerContext) -> None:
        """Stop every attempt (boxes killed now) and wait for them to nak their jobs."""
        log.info("worker stopping: handing back %d running jobs", len(context.attempts))
        for attempt in list(context.attempts):
            attempt.stop(SHUTDOWN)
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=10.0)
