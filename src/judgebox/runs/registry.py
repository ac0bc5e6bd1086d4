"""The runs of this process: in memory while they live, in the store after; expiry."""

from __future__ import annotations

import time

from judgebox.runs.run import Run, SequencedEvent
from judgebox.runs.store import RunStore
from judgebox.vocabulary.errors import UnknownRunError
from judgebox.vocabulary.events import Event


class RunRegistry:
    """Runs by id, every change written through to the store; finished runs expire."""

    def __init__(self, store: RunStore, retention: float) -> None:
        self.store = store
        self.retention = retention
        self.runs: dict[str, Run] = {}

    def add(self, run: Run) -> None:
        """Register a new run."""
        self.runs[run.run_id] = run
        self.store.save(run)

    def get(self, run_id: str) -> Run:
        """The run of an id, from memory or the store; UnknownRunError if there is none."""
        run = self.runs.get(run_id) or self.store.load(run_id)
        if run is None:
            raise UnknownRunError(
                f"no run {run_id!r}: it never existed or it expired (finished runs are kept "
                f"{self.retention:g} s); submit the code again with POST /runs"
            )
        return run

    def append(self, run: Run, event: Event) -> SequencedEvent:
        """Log an event of a run, in memory and in the store."""
        item = run.append(event)
        self.store.add_event(run.run_id, item)
        if run.done:
            self.store.save(run)
        return item

    def set_state(self, run: Run, state: str) -> None:
        """Move a live run to another state (`running`)."""
        run.state = state
        self.store.save(run)

    def expire(self, now: float | None = None) -> int:
        """Drop runs that finished longer than the retention ago; how many the store dropped."""
        cutoff = (now if now is not None else time.time()) - self.retention
        for run_id, run in list(self.runs.items()):
            if run.finished is not None and run.finished < cutoff:
                del self.runs[run_id]
        return self.store.delete_finished_before(cutoff)
