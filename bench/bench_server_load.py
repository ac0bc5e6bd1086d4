"""The server under load: idle memory, and memory and latency with 50 concurrent SSE clients.

    .venv/bin/python bench/bench_server_load.py [--clients 50] [--repeat 3]

A real `python -m judgebox.server` (defaults: 2 active runs, one box per core;
the queue raised to take every client) on its own work root. Measured:
- idle RSS of the server process (after start-up, and after one run);
- one client alone (the baseline, same run): time to the response headers, to
  `start`, to `complete`;
- `--clients` clients at once, each streaming a C a+b over the bundled aplusb
  (52 cases): the same three latencies (p50 / p95 / max), the makespan, the
  server's peak RSS (sampled every 10 ms) and /healthz latency while loaded.
Every stream must deliver all its events and end AC. Medians over `--repeat`
rounds. Writes bench/results/server_load.json and server_load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from benchcore import Environment, capture, free_port, spread, write
from httpx_sse import aconnect_sse

UID_BASE = 65500  # no test suite or other benchmark uses 65500..65563
C_APLUSB = (
    '#include <stdio.h>\nint main(void){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);}\n'
)
BODY = {"problem": "aplusb", "language": "c", "code": C_APLUSB}


def rss_kb(pid: int) -> int:
    """Resident memory of a process, KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Server:
    """The server process on its own files."""

    def __init__(self, root: Path, clients: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUDGEBOX_")}
        env.update(JUDGEBOX_WORK_ROOT=str(root / "work"), JUDGEBOX_CACHE_DIR=str(root / "cache"),
                   JUDGEBOX_UID_BASE=str(UID_BASE), JUDGEBOX_MAX_QUEUED_RUNS=str(clients + 8),
                   JUDGEBOX_LOG_LEVEL="WARNING")  # fmt: skip
        argv = [sys.executable, "-m", "judgebox.server", "--port", str(self.port),
                "--db", str(root / "runs.sqlite3")]  # fmt: skip
        self.log = (root / "server.log").open("wb")
        self.process = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {root / 'server.log'}")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM and wait."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        self.log.close()


async def one_client(http: httpx.AsyncClient) -> dict[str, float]:
    """Stream one run; seconds to headers, to `start`, to `complete` (and checks it)."""
    started = time.perf_counter()
    marks: dict[str, float] = {}
    names: list[str] = []
    async with aconnect_sse(http, "POST", "/validate-dataset", json=BODY) as source:
        marks["headers"] = time.perf_counter() - started
        if source.response.status_code != 200:
            raise RuntimeError(f"status {source.response.status_code}")
        async for sse in source.aiter_sse():
            if sse.event == "message" and not sse.data:
                continue  # httpx-sse turns a `: ping` comment into an empty event
            names.append(sse.event)
            if sse.event in ("start", "complete"):
                marks[sse.event] = time.perf_counter() - started
            if sse.event == "complete" and sse.json()["verdict"] != "AC":
                raise RuntimeError(f"run ended {sse.data}")
    if names != ["start", "compile", *["case-result"] * 52, "complete"]:
        raise RuntimeError(f"incomplete stream: {len(names)} events: {sorted(set(names))}")
    return marks


async def healthz_latencies(http: httpx.AsyncClient, stop: asyncio.Event) -> list[float]:
    """GET /healthz every 50 ms until `stop`; the latencies."""
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        await http.get("/healthz")
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)
    return latencies


async def sample_rss(pid: int, stop: asyncio.Event) -> int:
    """The peak RSS (KiB) seen every 10 ms until `stop`."""
    peak = 0
    while not stop.is_set():
        peak = max(peak, rss_kb(pid))
        await asyncio.sleep(0.01)
    return peak


async def load_round(server: Server, clients: int) -> dict[str, Any]:
    """One client alone, then `clients` at once."""
    limits = httpx.Limits(max_connections=clients + 10)
    async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as http:
        alone = await one_client(http)
        stop = asyncio.Event()
        rss = asyncio.create_task(sample_rss(server.process.pid, stop))
        health = asyncio.create_task(healthz_latencies(http, stop))
        started = time.perf_counter()
        marks = await asyncio.gather(*(one_client(http) for _ in range(clients)))
        makespan = time.perf_counter() - started
        stop.set()
        return {
            "alone_ms": {k: round(v * 1000, 1) for k, v in alone.items()},
            "makespan_s": round(makespan, 2),
            "peak_rss_kb": await rss,
            "healthz": spread(await health, scale=1000, digits=1),
            **{
                f"to_{k}": spread([m[k] for m in marks], scale=1000, digits=1)
                for k in ("headers", "start", "complete")
            },
        }


async def main(clients: int, repeat: int) -> dict[str, Any]:
    """Start the server, measure idle memory, run the rounds."""
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-server-", dir="/tmp"))
    root.chmod(0o711)
    server = Server(root, clients)
    try:
        await asyncio.sleep(1.0)
        idle_start = rss_kb(server.process.pid)
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
            await one_client(http)
        await asyncio.sleep(1.0)
        idle_after_run = rss_kb(server.process.pid)
        rounds = []
        for n in range(repeat):
            rounds.append(await load_round(server, clients))
            print(f"round {n + 1}/{repeat}: {rounds[-1]}", flush=True)
        await asyncio.sleep(1.0)
        idle_after_load = rss_kb(server.process.pid)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    middle = sorted(rounds, key=lambda r: r["makespan_s"])[len(rounds) // 2]
    return {"clients": clients, "repeat": repeat, "cpus": os.cpu_count(),
            "idle_rss_kb": {"after_start": idle_start, "after_one_run": idle_after_run,
                            "after_load": idle_after_load},
            "median_round": middle, "rounds": rounds}  # fmt: skip


def write_report(figures: dict[str, Any], env: Environment) -> None:
    """bench/results/server_load.json and server_load.md."""
    idle, r = figures["idle_rss_kb"], figures["median_round"]
    alone = r["alone_ms"]
    sequential_ms = alone["complete"] * figures["clients"]
    lines = [
        "# The server under load",
        "",
        f"A real server (2 active runs, one box per core, {figures['cpus']} CPUs); each client "
        "streams a C a+b over the bundled aplusb (52 cases) with httpx. The round with the "
        f"median makespan of {figures['repeat']}.",
        "",
        f"Idle RSS of the server process: {idle['after_start'] / 1024:.1f} MiB after start-up, "
        f"{idle['after_one_run'] / 1024:.1f} MiB after one run, "
        f"{idle['after_load'] / 1024:.1f} MiB after the load rounds.",
        "",
        f"One client alone (baseline): headers {alone['headers']} ms, start {alone['start']} ms, "
        f"complete {alone['complete']} ms.",
        "",
        f"{figures['clients']} clients at once: makespan {r['makespan_s']} s, "
        f"{r['makespan_s'] * 1000 / sequential_ms:.2f}x the {sequential_ms / 1000:.1f} s of "
        f"{figures['clients']} runs judged one after another at the one-alone speed; peak "
        f"server RSS {r['peak_rss_kb'] / 1024:.1f} MiB.",
        "",
        "| latency | median ms | p95 ms | p99 ms | min ms | max ms | n |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows = (
        ("to_headers", "response headers"),
        ("to_start", "`start` event"),
        ("to_complete", "`complete` event"),
        ("healthz", "GET /healthz under load"),
    )
    for key, label in rows:
        s = r[key]
        lines.append(f"| {label} | {s['median']} | {s['p95']} | {s['p99']} | {s['min']} "
                     f"| {s['max']} | {s['n']} |")  # fmt: skip
    write("server_load", figures, "\n".join(lines), env)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    environment = capture()
    write_report(asyncio.run(main(args.clients, args.repeat)), environment)
