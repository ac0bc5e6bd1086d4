"""Spread of a sample, pyperf-style: median, p95, p99, min, max and n, with one rounding rule.

Percentiles are by nearest rank (the smallest sample with at least q % of the
samples at or below it: index ceil(q / 100 * n) - 1), so a reported p95 is a
value that was measured; the median is the usual one (mean of the two middle
samples when n is even). Every figure is scaled (seconds -> ms with
scale=1000) and then rounded to `digits` decimals, the same for every key.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

DIGITS = 3
KEYS = ("n", "median", "p95", "p99", "min", "max")


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0 < q <= 100) by nearest rank; ValueError when empty."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError(f"q must be in (0, 100], not {q}")
    rank = math.ceil(q / 100 * len(ordered) - 1e-9)  # the epsilon absorbs 0.95 * 20 = 19.0000x
    return ordered[max(rank, 1) - 1]


def spread(
    values: Iterable[float], *, scale: float = 1.0, digits: int = DIGITS
) -> dict[str, float]:
    """{n, median, p95, p99, min, max} of `values` times `scale`; {"n": 0} when empty."""
    ordered = sorted(v * scale for v in values)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered), digits),
        "p95": round(percentile(ordered, 95), digits),
        "p99": round(percentile(ordered, 99), digits),
        "min": round(ordered[0], digits),
        "max": round(ordered[-1], digits),
    }


def spread_cell(s: dict[str, float], digits: int = 1) -> str:
    """A Markdown table cell: `12.3 (p95 14.0, 11.9-15.2, n=5)`; `-` when empty."""
    if not s.get("n"):
        return "-"

    def f(key: str) -> str:
        return f"{s[key]:.{digits}f}"

    return f"{f('median')} (p95 {f('p95')}, {f('min')}-{f('max')}, n={int(s['n'])})"
