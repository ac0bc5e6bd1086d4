"""Contest-day load, local and scaled out: bursts of runs at increasing rates, 1/2/4 workers.

    .venv/bin/python bench/bench_load.py [--rates 30,120] [--burst 10] [--workers 1,2,4]

Configurations, all real processes on this machine, measured one after another:
`local` (one `judgebox serve`, the local executor: 2 runs at a time), then
NATS JetStream (one nats-server -js, one `judgebox serve --nats` API node and
1, 2, then 4 `judgebox worker --slots 1`). Every node: one box per run
(JUDGEBOX_PARALLELISM=1), 8 runs queued at most, then 429 with `Retry-After`.

Each stage: Poisson arrivals at the rate (submissions per minute) for `--burst`
seconds, then until every run ended. The mix is bench_contest.py's (AC 45 %,
WA 35 %, TLE 10 %, CE 10 % over the bundled problems; every source unique, so
every compile is cold; stop on first failure); a 429 must carry `Retry-After`,
and the client waits that long and submits again. Per stage: queue wait
(`start` event - POST answered) p50/p95/p99, end to end, runs/s completed,
peak RSS and CPU per run of each role (the server or API node; the workers
with their reaped children, i.e. the boxes; nats-server), from /proc.
Nothing lost: every accepted run must reach `complete` with its expected verdict.
Default: about 3 minutes on an idle 2-core host (8 at load 25).
Writes bench/results/load.json and load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from bench_contest import (
    KINDS,
    MIX,
    RunRecord,
    Submission,
    by_kind,
    load_mix,
    poisson_burst,
    submit_and_follow,
)
from bench_scaleout import Cluster
from benchcore import capture, spread, spread_cell, write

from judgebox.settings import bundled_problems_dir

CLK_TCK = os.sysconf("SC_CLK_TCK")
QUEUED = 8  # small, so that the 120/min burst meets 429s on 2 cores
UID_BASE = 66000  # 66000..66511 (8 nodes): no test suite or other benchmark uses these
LOCAL_SLOTS = 2


class Roles:
    """The processes of one configuration by role (`server`, `api`, `workers`, `nats`)."""

    def __init__(self) -> None:
        self.pids: dict[str, list[int]] = {}

    def add(self, role: str, pid: int) -> None:
        """Count `pid` under `role`."""
        self.pids.setdefault(role, []).append(pid)

    def rss_mib(self) -> dict[str, float]:
        """Resident memory of each role now, MiB (summed over its processes)."""
        found: dict[str, float] = {}
        for role, pids in self.pids.items():
            total = 0
            for pid in pids:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            found[role] = total / 1024
        return found

    def cpu(self) -> dict[str, tuple[float, float]]:
        """Each role's (own CPU s, own + reaped children's CPU s)."""
        found: dict[str, tuple[float, float]] = {}
        for role, pids in self.pids.items():
            own = total = 0.0
            for pid in pids:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                utime, stime, cutime, cstime = (int(x) / CLK_TCK for x in stat[11:15])
                own += utime + stime
                total += utime + stime + cutime + cstime
            found[role] = (own, total)
        return found


async def peak_rss(roles: Roles, stop: asyncio.Event) -> dict[str, float]:
    """Each role's peak RSS (MiB), sampled every 100 ms until `stop`."""
    peak: dict[str, float] = {}
    while not stop.is_set():
        for role, mib in roles.rss_mib().items():
            peak[role] = max(peak.get(role, 0.0), mib)
        await asyncio.sleep(0.1)
    return peak


async def stage(
    url: str, roles: Roles, mix: list[tuple[Submission, float]], per_minute: float,
    burst: float, rng: random.Random,
) -> dict[str, Any]:  # fmt: skip
    """One rate through the cluster: poisson_burst's figures, each role's memory and CPU."""
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=url, timeout=900, limits=limits) as http:
        figures, b = await poisson_burst(
            http, mix, per_minute, burst, rng, "load",
            cpu=roles.cpu, sampler=lambda stop: peak_rss(roles, stop),
        )  # fmt: skip
    del figures["burstSeconds"]
    done, peaks = b.done, b.peak
    n = max(len(done), 1)
    cpu = {
        role: {
            "ownMsPerRun": round((b.cpu_after[role][0] - b.cpu_before[role][0]) * 1000 / n, 1),
            "withChildrenMsPerRun": round(
                (b.cpu_after[role][1] - b.cpu_before[role][1]) * 1000 / n, 1),
        }
        for role in b.cpu_before
    }  # fmt: skip
    return {
        **figures,
        "peakRssMiB": {role: round(mib, 1) for role, mib in peaks.items()},
        "cpu": cpu,
        "judgingByKindMs": {k: spread(by_kind(done, k), scale=1000, digits=0) for k in KINDS},
    }


async def warm(url: str, mix: list[tuple[Submission, float]], tag: str) -> None:
    """One run of each language first (toolchains' first start, the workers' first fetch)."""
    seen: set[str] = set()
    async with httpx.AsyncClient(base_url=url, timeout=300) as http:
        for sub, _ in mix:
            if sub.language in seen:
                continue
            seen.add(sub.language)
            record = RunRecord(sub.kind, 0.0)
            await submit_and_follow(http, sub, record, time.perf_counter(), f"warm-{tag}")


async def configuration(
    name: str, url: str, roles: Roles, args: argparse.Namespace,
    mix: list[tuple[Submission, float]], warm_first: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Every rate's stage on one configuration."""
    if warm_first:
        await warm(url, mix, name)
    rng = random.Random(args.seed)  # the same arrivals and mix for every configuration
    stages = []
    for per_minute in args.rates:
        s = await stage(url, roles, mix, per_minute, args.burst, rng)
        stages.append(s)
        w = s["queueWaitMs"]
        print(f"{name} {per_minute:g}/min: {s['completed']}/{s['submitted']} done, "
              f"{s['runsPerSecond']} runs/s, wait p50/p95/p99 {w.get('median')}/{w.get('p95')}/"
              f"{w.get('p99')} ms, 429s {s['rejected429']}", flush=True)  # fmt: skip
    return {"name": name, "stages": stages}


def measure(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """Local first, then NATS with each worker count (workers added to the same cluster)."""
    problems = bundled_problems_dir()
    mix = load_mix(problems)
    results = []
    cluster = Cluster(root, problems)
    cluster.uids = iter(range(UID_BASE, UID_BASE + 8 * 64, 64))
    cluster.env.update(JUDGEBOX_MAX_QUEUED_RUNS=str(QUEUED), JUDGEBOX_LOG_LEVEL="WARNING",
                       JUDGEBOX_CACHE_DIR=str(root / "cache"))  # fmt: skip
    try:
        url, _ = cluster.api(None, JUDGEBOX_MAX_ACTIVE_RUNS=str(LOCAL_SLOTS))
        roles = Roles()
        roles.add("server", cluster.processes[-1].pid)
        results.append(asyncio.run(configuration("local", url, roles, args, mix)))
        cluster.processes[-1].terminate()  # its boxes' uids and cores are free again
        cluster.processes[-1].wait(30)

        nats_url = cluster.nats()
        nats_pid = cluster.processes[-1].pid
        api, _ = cluster.api(nats_url)
        roles = Roles()
        roles.add("api", cluster.processes[-1].pid)
        roles.add("nats", nats_pid)
        workers = 0
        for count in args.workers:
            while workers < count:
                cluster.worker(nats_url)
                roles.add("workers", cluster.processes[-1].pid)
                workers += 1
            # Warmed once (the API node, NATS); added workers start cold, as on a contest day.
            first = count == args.workers[0]
            results.append(asyncio.run(configuration(f"nats{count}", api, roles, args, mix, first)))
    finally:
        cluster.stop()
    return {
        "rates": args.rates,
        "burstSeconds": args.burst,
        "seed": args.seed,
        "workers": args.workers,
        "queued": QUEUED,
        "localSlots": LOCAL_SLOTS,
        "mix": [{"kind": k, "problem": p, "file": f, "share": s} for k, p, f, _, s in MIX],
        "configurations": results,
    }


LABELS = {"local": "local executor, 2 runs at a time"}


def label(name: str) -> str:
    """A configuration's name in the report."""
    if name in LABELS:
        return LABELS[name]
    count = int(name.removeprefix("nats"))
    return f"NATS, {count} worker{'s' if count > 1 else ''}, 1 slot each"


def cpu_cell(stage: dict[str, Any]) -> str:
    """CPU ms per run by role: `api 40 / workers 900 / nats 12`."""
    parts = []
    for role, figures in stage["cpu"].items():
        value = figures["withChildrenMsPerRun"] if role in ("server", "workers") else figures[
            "ownMsPerRun"]  # fmt: skip
        own = f" (own {figures['ownMsPerRun']:g})" if role in ("server", "workers") else ""
        parts.append(f"{role} {value:g}{own}")
    return " / ".join(parts)


def report(figures: dict[str, Any]) -> str:
    """The Markdown page."""
    lines = [
        "# Contest-day load, local and on NATS (bench/bench_load.py)",
        "",
        f"Real processes on this machine. `local`: one `judgebox serve` (local executor, "
        f"{figures['localSlots']} runs at a time). NATS: nats-server -js, one `judgebox serve "
        "--nats` API node and 1, 2, then 4 `judgebox worker --slots 1` (added to the same "
        "cluster), all on the same 2 cores. Every node: one box per run, "
        f"{figures['queued']} runs queued at most, then 429 with `Retry-After` (honoured by "
        f"the client). Each stage: Poisson arrivals for {figures['burstSeconds']:g} s at the "
        "rate shown (the same arrivals for every configuration), then until every run ended. "
        "Mix: bench_contest.py's (AC 45 %, WA 35 %, TLE 10 %, CE 10 % over the bundled "
        "problems, every source unique so every compile is cold, stop on first failure). "
        "Configurations measured one after another: the host's load (below) moved between them.",
        "",
        "| configuration | per minute | submitted / completed / lost | runs/s "
        "| queue wait p50 / p95 / p99 ms | end to end p50 / p95 / p99 ms | 429s (without "
        "Retry-After) | peak RSS MiB | CPU ms per run |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for conf in figures["configurations"]:
        for s in conf["stages"]:
            w, e = s["queueWaitMs"], s["endToEndMs"]
            rss = " / ".join(f"{role} {mib:g}" for role, mib in s["peakRssMiB"].items())
            lines.append(
                f"| {label(conf['name'])} | {s['perMinute']:g} | {s['submitted']} / "
                f"{s['completed']} / {s['lost']} | {s['runsPerSecond']} | {w.get('median')} / "
                f"{w.get('p95')} / {w.get('p99')} | {e.get('median')} / {e.get('p95')} / "
                f"{e.get('p99')} | {s['rejected429']} ({s['missingRetryAfter']}) | {rss} "
                f"| {cpu_cell(s)} |"
            )
    lines += ["", "Judging time (`start` -> `complete`) by kind, ms:", "",
              "| configuration | per minute | AC | WA | TLE | CE |",
              "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for conf in figures["configurations"]:
        for s in conf["stages"]:
            cells = " | ".join(spread_cell(s["judgingByKindMs"][k], 0) for k in KINDS)
            lines.append(f"| {label(conf['name'])} | {s['perMinute']:g} | {cells} |")
    stages = [s for conf in figures["configurations"] for s in conf["stages"]]
    lost = sum(s["lost"] for s in stages)
    wrong = sum(len(s["wrongVerdicts"]) for s in stages)
    missing = sum(s["missingRetryAfter"] for s in stages)
    errors = sum(len(s["errors"]) for s in stages)
    lines += [
        "",
        f"Nothing lost: {'yes' if not lost else f'NO ({lost} runs never completed)'}; "
        f"verdicts as expected: {'yes' if not wrong else f'NO ({wrong})'}; every 429 with "
        f"Retry-After: {'yes' if not missing else f'NO ({missing} without)'}; client errors: "
        f"{errors}. *CPU ms per run*: `server` (local) and `workers` with their reaped "
        "children, i.e. compilers, bwrap and the programs (own: the process alone); `api` "
        "and `nats` their own. RSS: summed over a role's processes.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Measure, write; 1 if a run was lost, misjudged, or a 429 came without Retry-After."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="30,120", help="submissions per minute")
    parser.add_argument("--burst", type=float, default=8.0, help="seconds of arrivals")
    parser.add_argument("--workers", default="1,2,4", help="worker counts on NATS")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.rates = [float(x) for x in args.rates.split(",")]
    args.workers = [int(x) for x in args.workers.split(",")]
    if shutil.which("nats-server") is None:
        raise SystemExit("bench_load: install nats-server first (apt-get install nats-server)")
    env = capture()
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-load-", dir="/tmp"))
    root.chmod(0o711)
    try:
        figures = measure(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    page = report(figures)
    write("load", figures, page, env)
    print(page)
    stages = [s for conf in figures["configurations"] for s in conf["stages"]]
    bad = sum(s["lost"] + len(s["wrongVerdicts"]) + s["missingRetryAfter"] + len(s["errors"])
              for s in stages)  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
