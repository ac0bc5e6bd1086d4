"""Runs and their events in SQLite, so that finished runs survive a restart.

    runs(id, problem, language, total_cases, state, created, finished)
    events(run_id, seq, name, data)      data: the event's to_wire() JSON

A row at submit, each event as it happens, the final state at the end. A run
still `queued` / `running` when the store opens was in flight when its server
died: `recover_interrupted()` closes it with `complete` / `internal-error`.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from judgebox.runs.run import QUEUED, RUNNING, Run, SequencedEvent
from judgebox.vocabulary.events import event_from_wire
from judgebox.vocabulary.verdicts import RunStatus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, problem TEXT, language TEXT,
    total_cases INTEGER, state TEXT, created REAL, finished REAL);
CREATE TABLE IF NOT EXISTS events (run_id TEXT, seq INTEGER, name TEXT, data TEXT,
    PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
"""
_FINISHED_BEFORE = "SELECT id FROM runs WHERE finished IS NOT NULL AND finished < ?"


class RunStore:
    """A SQLite file of runs; used from the event loop's thread only (writes are tiny)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)  # autocommit
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, ~20 us/event
        self.db.executescript(_SCHEMA)

    def recover_interrupted(self) -> list[str]:
        """Close every run a dead process left queued/running with internal-error; their ids."""
        query = "SELECT id FROM runs WHERE state IN (?, ?)"
        recovered = []
        for (run_id,) in self.db.execute(query, (QUEUED, RUNNING)).fetchall():
            run = self.load(run_id)
            if run is None:
                continue
            for event in run.closing_events(RunStatus.INTERNAL_ERROR):
                self.add_event(run_id, run.append(event))
            self.save(run)
            recovered.append(run_id)
        return recovered

    def save(self, run: Run) -> None:
        """Insert or update the run's row."""
        row = (run.run_id, run.problem, run.language, run.total_cases, run.state, run.created,
               run.finished)  # fmt: skip
        self.db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", row)

    def add_event(self, run_id: str, item: SequencedEvent) -> None:
        """Append one event of a run."""
        data = json.dumps(item.event.to_wire())
        self.db.execute(
            "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?)",
            (run_id, item.seq, item.event.name, data),
        )

    def load(self, run_id: str) -> Run | None:
        """A stored run with its events, or None."""
        row = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        run = Run(row[0], row[1], row[2], row[3], state=row[4], created=row[5], finished=row[6])
        query = "SELECT seq, name, data FROM events WHERE run_id = ? ORDER BY seq"
        run.events = [
            SequencedEvent(seq, event_from_wire(name, json.loads(data)))
            for seq, name, data in self.db.execute(query, (run_id,))
        ]
        return run

    def delete_finished_before(self, cutoff: float) -> int:
        """Forget runs that finished before `cutoff` (retention); how many."""
        self.db.execute(f"DELETE FROM events WHERE run_id IN ({_FINISHED_BEFORE})", (cutoff,))
        deleted = self.db.execute(f"DELETE FROM runs WHERE id IN ({_FINISHED_BEFORE})", (cutoff,))
        return deleted.rowcount

    def close(self) -> None:
        """Close the database."""
        self.db.close()
