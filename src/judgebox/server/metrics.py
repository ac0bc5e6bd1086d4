"""Prometheus metrics of one app (its own registry), fed by the executor as runs go."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from judgebox.runs import CancelReason
from judgebox.vocabulary.verdicts import RunStatus, Verdict

# cancel -> sandbox dead is ~1-2 ms here; the buckets resolve the 20 ms goal.
_DEAD_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The judgebox_* metrics; a RunObserver for the executor."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.started = Counter("judgebox_runs_started_total", "Runs that began", registry=r)
        self.finished = Counter(
            "judgebox_runs_finished_total", "Runs that ended, by status", ["status"], registry=r
        )
        self.cancelled = Counter(
            "judgebox_runs_cancelled_total", "Runs stopped early, by reason", ["reason"], registry=r
        )
        self.cases = Counter(
            "judgebox_cases_total", "Case results emitted, by verdict", ["verdict"], registry=r
        )
        self.queue_length = Gauge("judgebox_queue_length", "Runs waiting for a slot", registry=r)
        self.cancel_to_dead = Histogram(
            "judgebox_cancel_to_dead_seconds",
            "From a cancel to the run's sandbox being dead (the judge task unwound)",
            buckets=_DEAD_BUCKETS,
            registry=r,
        )
        for status in RunStatus:  # every series exists from the start, at 0
            self.finished.labels(status=str(status))
        for reason in CancelReason:
            self.cancelled.labels(reason=str(reason))
        for verdict in Verdict:
            self.cases.labels(verdict=str(verdict))

    def watch_queue(self, queue_length: Callable[[], int]) -> None:
        """Read the queue length from the executor at each scrape."""
        self.queue_length.set_function(queue_length)

    def render(self) -> bytes:
        """The text exposition format."""
        return bytes(generate_latest(self.registry))

    def run_started(self) -> None:
        """Count a run that began."""
        self.started.inc()

    def run_finished(self, status: RunStatus) -> None:
        """Count a run that ended."""
        self.finished.labels(status=str(status)).inc()

    def run_cancelled(self, reason: CancelReason, seconds_to_dead: float) -> None:
        """Count a cancel and how long its sandbox took to die."""
        self.cancelled.labels(reason=str(reason)).inc()
        self.cancel_to_dead.observe(seconds_to_dead)

    def case_judged(self, verdict: Verdict) -> None:
        """Count a case result."""
        self.cases.labels(verdict=str(verdict)).inc()
