"""Where and when a benchmark ran: host, CPUs, kernel, Python, commit, load at start and end.

The machine is shared, so every result carries the load average at its start
and end: a figure measured under load 9 is read differently from one under 0.5.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def commit(repo: Path = REPO) -> str:
    """`abc1234`, with ` (+ uncommitted changes under src/)` when src/ is dirty; `?` outside git."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=repo, check=False).stdout.strip()  # fmt: skip
    if not head:
        return "?"
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], capture_output=True,
                           text=True, cwd=repo, check=False).stdout.strip()  # fmt: skip
    return head + (" (+ uncommitted changes under src/)" if dirty else "")


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded to 2 decimals."""
    return [round(x, 2) for x in os.getloadavg()]


@dataclass(slots=True)
class Environment:
    """The circumstances of one benchmark run (JSON-ready with `as_dict`)."""

    when: str  # UTC, `2026-12-01 11:20 UTC`
    host: str
    cpus: int
    kernel: str
    python: str
    commit: str
    load_start: list[float]
    load_end: list[float] = field(default_factory=list)

    def finish(self) -> Environment:
        """Record the load at the end (idempotent: the first call wins)."""
        if not self.load_end:
            self.load_end = load()
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line for a report."""
        end = f"{self.load_end[0]:.2f}" if self.load_end else "?"
        return (f"ran {self.when} from commit {self.commit} on {self.host} ({self.cpus} CPUs, "
                f"Linux {self.kernel}, Python {self.python}); 1-min load average "
                f"{self.load_start[0]:.2f} at start, {end} at end")  # fmt: skip


def capture() -> Environment:
    """The environment now (call at the start of a benchmark)."""
    return Environment(
        when=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        host=platform.node(),
        cpus=os.cpu_count() or 0,
        kernel=platform.release(),
        python=platform.python_version(),
        commit=commit(),
        load_start=load(),
    )


def from_dict(data: dict[str, Any]) -> Environment:
    """The inverse of `Environment.as_dict`."""
    return Environment(**{k: data[k] for k in Environment.__dataclass_fields__ if k in data})
