"""What every bench/bench_*.py shares: spread statistics, free ports, the environment, results.

A benchmark does:

    env = environment.capture()            # host, CPUs, kernel, Python, commit, load at start
    ... measure, summarising samples with stats.spread(...) ...
    results.write("name", figures, markdown, env)   # bench/results/name.json + name.md

and `bench/run_all.py` merges every bench/results/*.md into bench/RESULTS.md.
"""

from benchcore.environment import Environment, capture
from benchcore.ports import free_port
from benchcore.results import RESULTS, write
from benchcore.stats import percentile, spread, spread_cell

__all__ = [
    "RESULTS",
    "Environment",
    "capture",
    "free_port",
    "percentile",
    "spread",
    "spread_cell",
    "write",
]
