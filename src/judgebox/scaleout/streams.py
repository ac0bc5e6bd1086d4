"""The JetStream layout every API node and worker agrees on, and the code that creates it.

    stream JOBS     subjects jobs.<language>   work queue, file storage; message id = run id
      consumer jobs-<language>                 durable pull, explicit ack, ack wait, max deliver
    stream EVENTS   subjects ev.<runId>        file storage, kept runs_retention;
                                               message id <runId>:<seq>
    KV JUDGEBOX_RUNS  run.<runId>              the run's record (problem, language, cases, job seq)
                      cancel.<runId>           the cancel flag (its value: the reason)
                      job.<runId>.<i>          a job too large for one message, in pieces
    core subject    cancel.<runId>             "kill it now" to whichever worker holds the run
    core subject    ready.<language>           "a job is queued": wakes idle workers at once
    core subject    watch.<runId>              "this API node follows the run" (watchers.py)

Creating is idempotent: an API node and every worker ensure the layout at start,
and a consumer's timing is updated in place when it changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from asyncio import FIRST_COMPLETED
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext, api
from nats.js.errors import BadRequestError
from nats.js.kv import KeyValue

from judgebox.scaleout.security import connect_options
from judgebox.settings import Settings
from judgebox.vocabulary.errors import JudgeboxError

log = logging.getLogger("judgebox.scaleout")

JOBS_STREAM = "JOBS"
EVENTS_STREAM = "EVENTS"
RUNS_BUCKET = "JUDGEBOX_RUNS"
# How long JetStream remembers message ids; the compare-and-set on the last
# subject sequence (eventlog.py) covers what falls outside this window.
DUPLICATE_WINDOW_S = 600.0


def job_subject(language: str) -> str:
    """The subject a job of this language is published on."""
    return f"jobs.{language}"


def job_bell_subject(language: str) -> str:
    """The core subject rung after a job is queued (workers wake up; it carries nothing)."""
    return f"ready.{language}"


def job_consumer_name(language: str) -> str:
    """The durable pull consumer of one language's jobs."""
    return f"jobs-{language}"


def events_subject(run_id: str) -> str:
    """The subject of a run's events."""
    return f"ev.{run_id}"


def cancel_subject(run_id: str) -> str:
    """The core subject that tells the worker holding the run to kill it now."""
    return f"cancel.{run_id}"


def watch_subject(run_id: str) -> str:
    """The core subject on which API nodes say they follow a `cancelWhenUnwatched` run."""
    return f"watch.{run_id}"


@dataclass(frozen=True, slots=True)
class JobTiming:
    """Redelivery timing of jobs: ack wait, heartbeat period, deliveries."""

    ack_wait: float = 10.0
    # Three judging attempts plus a closing one: the worker that gets the fourth
    # delivery does not judge; it ends the run with internal-error (worker.py).
    max_deliver: int = 4

    @property
    def heartbeat(self) -> float:
        """How often a worker tells JetStream it is still judging (msg.in_progress())."""
        return self.ack_wait / 4

    @property
    def judging_attempts(self) -> int:
        """Deliveries that judge; the last delivery only closes the run."""
        return self.max_deliver - 1


def job_timing(settings: Settings) -> JobTiming:
    """The timing from `Settings.nats_ack_wait` (JUDGEBOX_NATS_ACK_WAIT; default 10 s)."""
    return JobTiming(ack_wait=settings.nats_ack_wait)


async def connect(settings: Settings, name: str, timeout: float = 10.0) -> Client:
    """A NATS connection to settings.nats_url with its TLS and credentials that, once made,
    reconnects for ever; JudgeboxError (one clear line) if none is made or NATS refuses us."""
    url = settings.nats_url or ""
    options = connect_options(settings)  # checks the files first: a typo is one clear line
    refused: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def on_error(exc: Exception) -> None:
        if "permissions violation" in str(exc).lower():  # the server config and we disagree
            log.error("NATS at %s refused an operation: %s (see docs/nats-server.conf.example)",
                      url, exc)  # fmt: skip
            return
        log.debug("NATS %s: %s", url, exc or type(exc).__name__)  # repeats while it is down
        # nats-py retries a refused first connection for ever: these never heal by retrying.
        reason = _refusal(exc)
        if reason is not None and not refused.done():
            refused.set_result(reason)

    async def on_disconnect() -> None:
        log.warning("lost the connection to NATS at %s; reconnecting", url)

    async def on_reconnect() -> None:
        log.info("reconnected to NATS at %s", url)

    connecting: asyncio.Future[Any] = asyncio.ensure_future(nats.connect(
        url, name=name, connect_timeout=2, max_reconnect_attempts=-1,
        reconnect_time_wait=0.5, allow_reconnect=True, error_cb=on_error,
        disconnected_cb=on_disconnect, reconnected_cb=on_reconnect, **options,
    ))  # fmt: skip
    # The first connection must succeed within `timeout`: nats-py would retry it for ever.
    await asyncio.wait({connecting, refused}, timeout=timeout, return_when=FIRST_COMPLETED)
    if connecting.done() and connecting.exception() is None:
        client: Client = connecting.result()
        return client
    connecting.cancel()
    with contextlib.suppress(BaseException):
        await connecting
    if refused.done():
        raise JudgeboxError(f"NATS at {url} refused this node: {refused.result()}")
    raise JudgeboxError(
        f"cannot reach NATS at {url} within {timeout:g} s; start it with "
        "`nats-server -js -sd DIR` (see docs/scaleout.md) or fix --nats"
    )


def _refusal(exc: Exception) -> str | None:
    """Why NATS refuses this node for good (wrong credentials, TLS), or None (retry)."""
    text = str(exc).lower()
    if isinstance(exc, nats.errors.AuthorizationError) or "authorization violation" in text:
        return (
            "wrong or missing credentials (--nats-user/--nats-password, --nats-token, "
            "--nats-creds or --nats-nkey)"
        )
    if "authentication" in text and "expired" in text:
        return "the credentials expired"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not trusted ({exc.verify_message}; check --nats-ca)"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc}; check --nats-ca, --nats-cert, --nats-key)"
    if "tls" in text and "required" in text:
        return "it requires TLS (use a tls:// URL or --nats-ca)"
    return None


async def ensure_layout(js: JetStreamContext, settings: Settings) -> KeyValue:
    """Create (or keep) the JOBS and EVENTS streams and the runs bucket; the bucket."""
    await _ensure_stream(js, api.StreamConfig(
        name=JOBS_STREAM, subjects=["jobs.>"], retention=api.RetentionPolicy.WORK_QUEUE,
        storage=api.StorageType.FILE, duplicate_window=DUPLICATE_WINDOW_S,
    ))  # fmt: skip
    await _ensure_stream(js, api.StreamConfig(
        name=EVENTS_STREAM, subjects=["ev.>"], retention=api.RetentionPolicy.LIMITS,
        storage=api.StorageType.FILE, duplicate_window=DUPLICATE_WINDOW_S,
        max_age=max(settings.runs_retention, DUPLICATE_WINDOW_S),
    ))  # fmt: skip
    try:
        return await js.key_value(RUNS_BUCKET)
    except nats.js.errors.BucketNotFoundError:
        pass
    try:
        return await js.create_key_value(
            bucket=RUNS_BUCKET, ttl=max(settings.runs_retention, DUPLICATE_WINDOW_S),
            storage=api.StorageType.FILE,
        )  # fmt: skip
    except BadRequestError:  # another node created it meanwhile
        return await js.key_value(RUNS_BUCKET)


async def open_layout(js: JetStreamContext, settings: Settings) -> KeyValue:
    """The runs bucket once the streams exist, creating the layout only if it is missing.

    Workers use this: with the example server config (docs/nats-server.conf.example)
    a worker may read the layout but not create or change streams; API nodes create it.
    """
    try:
        await js.stream_info(JOBS_STREAM)
        await js.stream_info(EVENTS_STREAM)
        return await js.key_value(RUNS_BUCKET)
    except (nats.js.errors.NotFoundError, nats.js.errors.BucketNotFoundError):
        return await ensure_layout(js, settings)


async def _ensure_stream(js: JetStreamContext, config: api.StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except BadRequestError:  # it exists with another configuration (e.g. the retention)
        await js.update_stream(config)


async def ensure_job_consumer(js: JetStreamContext, language: str, timing: JobTiming) -> None:
    """Create or update the durable pull consumer of one language's jobs."""
    config = api.ConsumerConfig(
        durable_name=job_consumer_name(language), filter_subject=job_subject(language),
        ack_policy=api.AckPolicy.EXPLICIT, ack_wait=timing.ack_wait,
        max_deliver=timing.max_deliver, deliver_policy=api.DeliverPolicy.ALL,
        max_ack_pending=-1,
    )  # fmt: skip
    await js.add_consumer(JOBS_STREAM, config)
