"""Scale-out on NATS JetStream: API nodes queue runs, workers on many machines judge them.

    judgebox serve --nats URL                 judgebox worker --nats URL --slots K
      JetStreamExecutor (executor.py)           run_worker (worker.py)
        submit ─► JOBS jobs.<language> ───────►   pull one job per slot ─► JobAttempt
        get / follow ◄─ EVENTS ev.<runId> ◄────   (attempt.py): judge, append events
        cancel ─► KV flag + cancel.<runId> ───►   kill the boxes, complete/cancelled

Modules: `streams.py` (names, timing, creating the layout), `jobs.py` (the job
payload), `eventlog.py` (a run's events: read, compare-and-set append),
`records.py` (run records and cancel flags in KV), `mirrors.py` (node-local Runs
fed from EVENTS), `watchers.py` (cancelWhenUnwatched across API nodes),
`executor.py`, `attempt.py`, `worker.py`. The same contract as
the local executor: events 1, 2, 3, … per run (the SSE ids), one `complete`.
"""

from judgebox.scaleout.executor import JetStreamExecutor
from judgebox.scaleout.worker import run_worker

__all__ = ["JetStreamExecutor", "run_worker"]
