"""Runs that outlive a request: the `Executor` interface, the local executor, the run registry.

    transport ── submit(submission) ─────► Executor ── judge events ──┐
        │     ── cancel(run_id, reason) ─►  (local: an asyncio task    │
        │                                    per run, bounded slots)   ▼
        └──────── follow(run_id, after) ◄── RunRegistry: each Run's events log
                                             (seq 1, 2, …), fan-out to followers,
                                             RunStore (SQLite) behind it

Modules: `run.py` (one run and its events log), `store.py` (SQLite),
`registry.py` (the runs of this process, retention), `executor.py` (the
interface a NATS executor implements too), `local.py` (the in-process one).

Cancellation needs no polling: `cancel()` is synchronous (safe in a `finally`
and in signal-driven shutdown) and cancels the run's task; `CancelledError`
lands where the judge awaits its sandbox, which kills the process tree before
re-raising. The executor then writes the run's own `complete` (`cancelled` /
`timed-out` / `internal-error`).
"""

from judgebox.runs.executor import CancelReason, Executor, RunObserver, SilentObserver
from judgebox.runs.local import LocalExecutor
from judgebox.runs.registry import RunRegistry
from judgebox.runs.run import QUEUED, RUNNING, Run, SequencedEvent
from judgebox.runs.store import RunStore

__all__ = [
    "QUEUED",
    "RUNNING",
    "CancelReason",
    "Executor",
    "LocalExecutor",
    "Run",
    "RunObserver",
    "RunRegistry",
    "RunStore",
    "SequencedEvent",
    "SilentObserver",
]
