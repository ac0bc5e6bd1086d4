"""Resource limits and the parsing of human-written sizes and durations (`2s`, `256m`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_TIME_UNITS = {"": 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$", re.IGNORECASE)
_TIME_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m)?\s*$", re.IGNORECASE)


def parse_size(text: str | int) -> int:
    """Parse `256m`, `64MiB`, `1g`, `1024` (bytes) into a number of bytes."""
    if isinstance(text, int):
        return text
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (write e.g. 256m, 64MiB or 1g)")
    number, unit = match.groups()
    return int(float(number) * _SIZE_UNITS[unit.lower()])


def parse_duration(text: str | float) -> float:
    """Parse `2s`, `500ms`, `1.5`, `5m` into seconds."""
    if isinstance(text, int | float):
        return float(text)
    match = _TIME_RE.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (write e.g. 2s, 500ms or 5m)")
    number, unit = match.groups()
    return float(number) * _TIME_UNITS[(unit or "").lower()]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one execution may use. Times in seconds, sizes in bytes."""

    cpu_time: float = 1.0
    wall_time: float | None = None  # None: derived from cpu_time
    memory: int = 256 * 1024**2
    output: int = 64 * 1024**2
    processes: int = 64
    stderr: int = 64 * 1024

    @property
    def effective_wall_time(self) -> float:
        """The wall-clock limit: given, or twice the CPU limit plus one second."""
        if self.wall_time is not None:
            return self.wall_time
        return 2 * self.cpu_time + 1.0

    def replace(self, **changes: object) -> Limits:
        """A copy with some fields changed."""
        from dataclasses import replace

        return replace(self, **changes)  # type: ignore[arg-type]
