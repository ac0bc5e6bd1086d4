"""A contest-day load model: bursts of submissions at increasing rates through the real server.

    .venv/bin/python bench/bench_contest.py [--rates 15,30,60,120] [--burst 20] [--seed 1]

Starts `python -m judgebox.server` (local executor, its default queue: 2 runs
at a time, 16 waiting, one box per core) on a free port with the bundled
problems. For each rate (submissions per minute) it submits for `--burst`
seconds with Poisson arrivals, then waits until every run has ended. The
submissions are the bundled packages' own, in a contest-like mix (AC 45 %,
WA 35 %, TLE 10 %, CE 10 %), each made unique by a comment so every one
compiles cold (no compile-cache hits, as on a contest day), all with
`stopOnFirstFailure` (ICPC style). A 429 must carry `Retry-After`; the
client waits that long and submits again (as a contest front end would).

Per run: queue wait = `start` event - POST answered (the server sends `start`
when the run gets its slot); judging = `complete` - `start`; end to end =
`complete` - first POST (retries included). Per stage: runs/s completed, the
server's peak RSS (sampled every 50 ms), the server process's own CPU per run
and its CPU with its reaped children (the boxes) per run, /proc/<pid>/stat.
Nothing lost: every accepted run must reach `complete` with the verdict its
folder names. Baseline, same run, interleaved: before each stage one run of
each kind alone on the idle server (the no-contention latency).
Writes bench/results/contest.json and contest.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from benchcore import Environment, capture, free_port, spread, spread_cell, write

from judgebox.settings import bundled_problems_dir

UID_BASE = 62600  # 62600..62663: no test suite or other benchmark uses these
CLK_TCK = os.sysconf("SC_CLK_TCK")
# (kind, problem, file under submissions/, expected verdict, share of the mix)
MIX = [
    ("AC", "aplusb", "accepted/aplusb.c", "AC", 0.15),
    ("AC", "aplusb", "accepted/aplusb.py", "AC", 0.15),
    ("AC", "hypotenuse", "accepted/hypot.py", "AC", 0.075),
    ("AC", "anysum", "accepted/halves.py", "AC", 0.075),
    ("WA", "aplusb", "wrong_answer/subtracts.py", "WA", 0.2),
    ("WA", "hypotenuse", "wrong_answer/two_decimals.py", "WA", 0.15),
    ("TLE", "aplusb", "time_limit_exceeded/busy_loop.cpp", "TLE", 0.1),
    ("CE", "aplusb", "compile_error/missing_semicolon.cpp", "CE", 0.1),
]
LANGUAGE = {".c": "c", ".cpp": "cpp", ".py": "python3"}
COMMENT = {".c": "// ", ".cpp": "// ", ".py": "# "}


@dataclass
class Submission:
    """One kind of submission of the mix."""

    kind: str
    problem: str
    path: str
    expected: str
    language: str
    code: str

    def body(self, nonce: str) -> dict[str, Any]:
        """The POST /runs body; `nonce` makes the source unique (a cold compile)."""
        comment = COMMENT[Path(self.path).suffix]
        code = f"{self.code.rstrip()}\n{comment}submission {nonce}\n"
        return {"problem": self.problem, "language": self.language, "code": code,
                "stopOnFirstFailure": True}  # fmt: skip


@dataclass
class RunRecord:
    """One submission's life, in seconds from the stage's start."""

    kind: str
    submitted: float
    accepted: float = 0.0
    started: float | None = None
    completed: float | None = None
    verdict: str | None = None
    expected: str = ""
    rejections: int = 0  # 429 answers before it was accepted
    retry_after: list[float] = field(default_factory=list)
    missing_retry_after: int = 0


def load_mix(problems: Path) -> list[tuple[Submission, float]]:
    """The submissions of MIX, read from the bundled packages."""
    mix = []
    for kind, problem, path, expected, share in MIX:
        file = problems / problem / "submissions" / path
        language = LANGUAGE[file.suffix]
        mix.append((Submission(kind, problem, path, expected, language, file.read_text()), share))
    return mix


class Server:
    """`python -m judgebox.server` on its own files, default queue settings."""

    def __init__(self, root: Path, problems: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUDGEBOX_")}
        env.update(JUDGEBOX_CACHE_DIR=str(root / "cache"), JUDGEBOX_UID_BASE=str(UID_BASE),
                   JUDGEBOX_LOG_LEVEL="WARNING")  # fmt: skip
        argv = [sys.executable, "-m", "judgebox.server", "--port", str(self.port),
                "--db", str(root / "runs.sqlite3"), "--work-root", str(root / "work"),
                "--problems", str(problems)]  # fmt: skip
        self.log_path = root / "server.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.log_path.read_text()}")
            time.sleep(0.1)

    def rss_kb(self) -> int:
        """Resident memory of the server process, KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu(self) -> tuple[float, float]:
        """(own CPU s, own + reaped children's CPU s) of the server process."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime, cutime, cstime = (int(x) / CLK_TCK for x in fields[11:15])
        return utime + stime, utime + stime + cutime + cstime

    def stop(self) -> None:
        """SIGTERM and wait."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


async def follow(http: httpx.AsyncClient, run_id: str, record: RunRecord, t0: float) -> None:
    """Read the run's SSE stream: stamp `start` and `complete`."""
    async with http.stream("GET", f"/runs/{run_id}/events",
                           headers={"Accept": "text/event-stream"}) as response:  # fmt: skip
        name = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
                if name == "start":
                    record.started = time.perf_counter() - t0
            elif line.startswith("data:") and name == "complete":
                record.completed = time.perf_counter() - t0
                record.verdict = json.loads(line[5:])["verdict"]
                return


async def submit_and_follow(
    http: httpx.AsyncClient, sub: Submission, record: RunRecord, t0: float, nonce: str
) -> None:
    """POST /runs until accepted (honouring Retry-After), then follow the run to `complete`."""
    record.expected = sub.expected
    while True:
        response = await http.post("/runs", json=sub.body(nonce))
        if response.status_code == 429:
            record.rejections += 1
            retry = response.headers.get("Retry-After")
            if retry is None:
                record.missing_retry_after += 1
                delay = 1.0
            else:
                delay = float(retry)
                record.retry_after.append(delay)
            await asyncio.sleep(delay)
            continue
        response.raise_for_status()
        record.accepted = time.perf_counter() - t0
        await follow(http, response.json()["runId"], record, t0)
        return


async def sample(server: Server, stop: asyncio.Event) -> int:
    """Peak RSS (KiB) every 50 ms until `stop`."""
    peak = 0
    while not stop.is_set():
        peak = max(peak, server.rss_kb())
        await asyncio.sleep(0.05)
    return peak


async def alone(
    http: httpx.AsyncClient, mix: list[tuple[Submission, float]], tag: str
) -> dict[str, float]:
    """One run of each kind, one at a time on an idle server: seconds POST -> complete."""
    figures: dict[str, float] = {}
    for i, (sub, _) in enumerate(mix):
        record = RunRecord(sub.kind, 0.0)
        t0 = time.perf_counter()
        await submit_and_follow(http, sub, record, t0, f"{tag}-{i}")
        if record.verdict != sub.expected:
            raise RuntimeError(f"alone: {sub.path} ended {record.verdict}")
        assert record.completed is not None
        figures[sub.path] = record.completed
    return figures


@dataclass
class Burst:
    """What a burst leaves for the caller's own figures, besides the common ones."""

    done: list[RunRecord]  # the runs that completed
    cpu_before: Any  # `cpu()` before the first arrival and after the last run ended
    cpu_after: Any
    peak: Any  # what `sampler` returned: the peak memory it saw


async def poisson_burst(
    http: httpx.AsyncClient, mix: list[tuple[Submission, float]], per_minute: float,
    burst: float, rng: random.Random, tag: str, *, cpu: Callable[[], Any],
    sampler: Callable[[asyncio.Event], Coroutine[Any, Any, Any]],
) -> tuple[dict[str, Any], Burst]:  # fmt: skip
    """Poisson arrivals at `per_minute` for `burst` seconds, then until every run ended: the
    figures every load stage reports (queue wait, end to end, 429s, losses, runs/s), and
    the finished runs, CPU readings around the burst and the memory sampler's peak.
    """
    subs, weights = [m[0] for m in mix], [m[1] for m in mix]
    stop = asyncio.Event()
    peak: asyncio.Task[Any] = asyncio.create_task(sampler(stop))
    cpu_before = cpu()
    t0 = time.perf_counter()
    records: list[RunRecord] = []
    tasks = []
    at = rng.expovariate(per_minute / 60)
    while at < burst:
        await asyncio.sleep(max(0.0, at - (time.perf_counter() - t0)))
        sub = rng.choices(subs, weights)[0]
        record = RunRecord(sub.kind, time.perf_counter() - t0)
        records.append(record)
        nonce = f"{tag}-{per_minute:g}-{len(records)}-{rng.getrandbits(32):08x}"
        tasks.append(asyncio.create_task(submit_and_follow(http, sub, record, t0, nonce)))
        at += rng.expovariate(per_minute / 60)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    ended = time.perf_counter() - t0
    cpu_after = cpu()
    stop.set()
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    done = [r for r in records if r.completed is not None]
    waits = [r.started - r.accepted for r in done if r.started is not None]
    e2e = [r.completed - r.submitted for r in done if r.completed is not None]
    first = min((r.accepted for r in done), default=0.0)
    return {
        "perMinute": per_minute,
        "burstSeconds": burst,
        "submitted": len(records),
        "completed": len(done),
        "lost": len(records) - len(done),
        "errors": errors[:5],
        "wrongVerdicts": [asdict(r) for r in done if r.verdict != r.expected][:5],
        "rejected429": sum(r.rejections for r in records),
        "missingRetryAfter": sum(r.missing_retry_after for r in records),
        "retryAfterSeconds": spread([x for r in records for x in r.retry_after], digits=1),
        "queueWaitMs": spread(waits, scale=1000, digits=0),
        "endToEndMs": spread(e2e, scale=1000, digits=0),
        "drainSeconds": round(ended, 2),
        "runsPerSecond": round(len(done) / max(ended - first, 1e-9), 3),
    }, Burst(done, cpu_before, cpu_after, await peak)


async def stage(
    server: Server, http: httpx.AsyncClient, mix: list[tuple[Submission, float]],
    per_minute: float, burst: float, rng: random.Random,
) -> dict[str, Any]:  # fmt: skip
    """One rate through the server: poisson_burst's figures, the server's memory and CPU."""
    figures, b = await poisson_burst(
        http, mix, per_minute, burst, rng, "contest",
        cpu=server.cpu, sampler=lambda stop: sample(server, stop),
    )  # fmt: skip
    done = b.done
    n = max(len(done), 1)
    judging = [r.completed - r.started for r in done if r.started is not None and r.completed]
    return {
        **figures,
        "judgingMs": spread(judging, scale=1000, digits=0),
        "peakRssMiB": round(b.peak / 1024, 1),
        "serverCpuMsPerRun": round((b.cpu_after[0] - b.cpu_before[0]) * 1000 / n, 1),
        "serverAndBoxesCpuMsPerRun": round((b.cpu_after[1] - b.cpu_before[1]) * 1000 / n, 1),
        "byKind": {kind: spread(by_kind(done, kind), scale=1000, digits=0) for kind in KINDS},
    }


KINDS = ("AC", "WA", "TLE", "CE")


def by_kind(done: list[RunRecord], kind: str) -> list[float]:
    """Judging seconds (`start` -> `complete`) of the runs of one kind."""
    return [r.completed - r.started for r in done
            if r.kind == kind and r.started is not None and r.completed is not None]  # fmt: skip


async def measure(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """Start the server, then for each rate: the alone baseline, the burst."""
    problems = bundled_problems_dir()
    mix = load_mix(problems)
    rng = random.Random(args.seed)
    server = Server(root, problems)
    stages, baselines = [], []
    try:
        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
        async with httpx.AsyncClient(base_url=server.url, timeout=600, limits=limits) as http:
            idle_rss = server.rss_kb()
            await alone(http, mix, "warm")  # the toolchains' first start, the uids' set-up
            for per_minute in args.rates:
                baselines.append(await alone(http, mix, f"alone-{per_minute:g}"))
                stages.append(await stage(server, http, mix, per_minute, args.burst, rng))
                s = stages[-1]
                print(f"{per_minute:g}/min: {s['completed']}/{s['submitted']} done, "
                      f"{s['runsPerSecond']} runs/s, wait p95 {s['queueWaitMs'].get('p95')} ms, "
                      f"429s {s['rejected429']}", flush=True)  # fmt: skip
            idle_after = server.rss_kb()
    finally:
        server.stop()
    alone_by_path = {path: spread([b[path] for b in baselines], scale=1000, digits=0)
                     for path in baselines[0]}  # fmt: skip
    alone_all = [v for b in baselines for v in b.values()]
    return {
        "rates": args.rates,
        "burstSeconds": args.burst,
        "seed": args.seed,
        "mix": [{"kind": k, "problem": p, "file": f, "share": s} for k, p, f, _, s in MIX],
        "server": {"maxActiveRuns": 2, "maxQueuedRuns": 16, "parallelismPerRun": "one per core"},
        "idleRssMiB": {
            "afterStart": round(idle_rss / 1024, 1),
            "afterLoad": round(idle_after / 1024, 1),
        },
        "aloneMs": alone_by_path,
        "aloneAllMs": spread(alone_all, scale=1000, digits=0),
        "stages": stages,
    }


def report(figures: dict[str, Any]) -> str:
    """The Markdown page."""
    alone_median = figures["aloneAllMs"]["median"]
    lines = [
        "# Contest-day load (bench/bench_contest.py)",
        "",
        f"A real server (local executor: 2 runs at a time, 16 queued, then 429 with "
        f"`Retry-After`), bundled problems. Each stage: Poisson arrivals for "
        f"{figures['burstSeconds']} s at the rate shown, then until every run ended. Mix: "
        "AC 45 % (aplusb C and Python, hypotenuse, anysum), WA 35 %, TLE 10 % (C++ busy loop, "
        "1 s limit), CE 10 %; every source unique (cold compile), stop on first failure. "
        "A 429 is retried after its `Retry-After`. Times in ms: median (p95, min-max, n).",
        "",
        f"Baseline, same run, interleaved (before each stage, one run of each kind alone on "
        f"the idle server, POST -> complete): {spread_cell(figures['aloneAllMs'], 0)}.",
        "",
        "| per minute | submitted / completed / lost | runs/s | queue wait p50 / p95 / p99 "
        "| end to end p50 / p95 / p99 | e2e p50 / alone p50 | 429s (without Retry-After) "
        "| peak RSS MiB | server CPU ms/run | with boxes CPU ms/run |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in figures["stages"]:
        w, e = s["queueWaitMs"], s["endToEndMs"]
        ratio = e.get("median", 0) / alone_median if alone_median else 0
        lines.append(
            f"| {s['perMinute']:g} | {s['submitted']} / {s['completed']} / {s['lost']} "
            f"| {s['runsPerSecond']} | {w.get('median')} / {w.get('p95')} / {w.get('p99')} "
            f"| {e.get('median')} / {e.get('p95')} / {e.get('p99')} | x{ratio:.1f} "
            f"| {s['rejected429']} ({s['missingRetryAfter']}) | {s['peakRssMiB']} "
            f"| {s['serverCpuMsPerRun']} | {s['serverAndBoxesCpuMsPerRun']} |"
        )
    lines += ["", "Judging time (`start` -> `complete`) by kind, ms:", "",
              "| per minute | AC | WA | TLE | CE |", "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for s in figures["stages"]:
        cells = " | ".join(spread_cell(s["byKind"][k], 0) for k in ("AC", "WA", "TLE", "CE"))
        lines.append(f"| {s['perMinute']:g} | {cells} |")
    lost = sum(s["lost"] for s in figures["stages"])
    wrong = sum(len(s["wrongVerdicts"]) for s in figures["stages"])
    missing = sum(s["missingRetryAfter"] for s in figures["stages"])
    lines += [
        "",
        f"Nothing lost: {'yes' if not lost else f'NO ({lost} runs never completed)'}; "
        f"verdicts as expected: {'yes' if not wrong else f'NO ({wrong})'}; every 429 with "
        f"Retry-After: {'yes' if not missing else f'NO ({missing} without)'}. Server RSS "
        f"{figures['idleRssMiB']['afterStart']} MiB idle after start, "
        f"{figures['idleRssMiB']['afterLoad']} MiB idle after the stages. *server CPU*: the "
        "server process alone (event loop, HTTP, SSE, judge bookkeeping); *with boxes*: plus "
        "its reaped children (compilers, bwrap, the programs): what a run costs the host.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Measure, write; 1 if a run was lost, misjudged, or a 429 came without Retry-After."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="15,30,60,120", help="submissions per minute")
    parser.add_argument("--burst", type=float, default=20.0, help="seconds of arrivals")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.rates = [float(x) for x in args.rates.split(",")]
    env: Environment = capture()
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-contest-", dir="/tmp"))
    root.chmod(0o711)
    try:
        figures = asyncio.run(measure(args, root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    page = report(figures)
    write("contest", figures, page, env)
    print(page)
    bad = sum(s["lost"] + len(s["wrongVerdicts"]) + s["missingRetryAfter"] + len(s["errors"])
              for s in figures["stages"])  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
