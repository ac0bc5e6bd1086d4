"""Cancel latency through the real HTTP API: a client closes its SSE stream, how soon is all dead?

    .venv/bin/python bench/bench_cancel.py [--runs 220] [--seed 1]

Starts `python -m judgebox.server` (own work root and database) with a 4-case
problem, then, one run at a time, POSTs /validate-dataset with
`Accept: text/event-stream` on a raw socket and closes the socket at a random
moment (uniform over the run's expected life: during the request, compile,
a case, between cases). Programs alternate: Python sleeping 0.15 s per case,
C busy-looping ~0.15 s per case (2 cases at a time, the default parallelism).

Measured per abort with sandboxed processes alive at the close:
- close -> dead: from `close()` to when every sandboxed process of the server
  (its descendants: bwrap, the box's init, the program) is gone or a zombie,
  polled in /proc (pids taken just before the close, then a full scan confirms);
- the server's own figure: the "sandbox dead X ms after the cancel" of its log
  line (cancel -> the judge task unwound), the same as judgebox_cancel_to_dead_seconds;
- time to first byte and to the `start` event of every request.
Baseline measured in the same run: spawn `sleep 30`, SIGKILL it, poll the same
way (the floor of "kill a process and see it dead"). Goal: p99 close -> dead <= 20 ms.
Writes bench/results/cancel.json and bench/results/cancel.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from benchcore import Environment, capture, free_port, spread, write

GOAL_P99_MS = 20.0
PROGRAMS = {
    "python3": "import time\ntime.sleep(0.15)\na, b = map(int, input().split())\nprint(a + b)\n",
    "c": (
        '#include <stdio.h>\n#include <time.h>\nint main(void){long a,b;scanf("%ld %ld",&a,&b);'
        "struct timespec s,n;clock_gettime(CLOCK_MONOTONIC,&s);"
        "do{clock_gettime(CLOCK_MONOTONIC,&n);}"
        'while((n.tv_sec-s.tv_sec)*1e3+(n.tv_nsec-s.tv_nsec)/1e6<150);printf("%ld\\n",a+b);}\n'
    ),
}


@dataclass
class Abort:
    """One aborted run."""

    language: str
    abort_after_s: float
    ttfb_ms: float
    first_event_ms: float | None
    events_before_close: int
    finished_before_close: bool
    alive_at_close: int
    close_to_dead_ms: float | None


def write_problem(root: Path) -> Path:
    """A 4-case a+b package."""
    package = root / "problems" / "slowsum"
    for folder in ("sample", "secret"):
        (package / "data" / folder).mkdir(parents=True)
    (package / "problem.yaml").write_text("name: Slow sum\n")
    for i in range(1, 5):
        folder = "sample" if i == 1 else "secret"
        (package / "data" / folder / f"{i}.in").write_text(f"{i} {i}\n")
        (package / "data" / folder / f"{i}.ans").write_text(f"{2 * i}\n")
    return package.parent


def proc_state(pid: int) -> str | None:
    """The state letter of a process, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            return file.read().rsplit(b")", 1)[1].split()[0].decode()
    except OSError:
        return None


def descendants(pid: int) -> set[int]:
    """Live (non-zombie) descendants of a process."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if fields[0] not in (b"Z", b"X"):
                children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def wait_dead(pids: set[int], server_pid: int | None, started: float) -> float:
    """Poll until `pids` (and, if given, every descendant of the server) are dead; ms."""
    pending = set(pids)
    while True:
        pending = {p for p in pending if proc_state(p) not in (None, "Z", "X")}
        if not pending:
            stamp = time.perf_counter()
            if server_pid is None:
                return (stamp - started) * 1000
            pending = descendants(server_pid)  # a box that started after the snapshot
            if not pending:
                return (stamp - started) * 1000
        if time.perf_counter() - started > 10:
            raise RuntimeError(f"processes {sorted(pending)} still alive 10 s after the close")
        time.sleep(0.0002)


def baseline_kill_ms(rounds: int) -> list[float]:
    """Spawn `sleep 30`, SIGKILL it, poll until dead: the floor, in ms."""
    figures = []
    for _ in range(rounds):
        child = subprocess.Popen(["/usr/bin/sleep", "30"])
        time.sleep(0.005)
        started = time.perf_counter()
        child.send_signal(signal.SIGKILL)
        figures.append(wait_dead({child.pid}, None, started))
        child.wait()
    return figures


def abort_one(port: int, server_pid: int, language: str, abort_after: float) -> Abort:
    """POST a run as SSE, close the socket after `abort_after` s, measure."""
    body = json.dumps({"problem": "slowsum", "language": language, "code": PROGRAMS[language]})
    request = (
        "POST /validate-dataset HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sent = time.perf_counter()
    sock.sendall(request)
    received = b""
    ttfb = first_event = None
    deadline = sent + abort_after
    while (left := deadline - time.perf_counter()) > 0:
        ready, _, _ = select.select([sock], [], [], left)
        if ready:
            chunk = sock.recv(65536)
            if not chunk:
                break
            now = time.perf_counter()
            ttfb = ttfb or now
            received += chunk
            if first_event is None and b"event: start" in received:
                first_event = now
    if ttfb is None:  # keep the first-byte figure for every request: wait for it, then abort
        sock.recv(1)
        ttfb = time.perf_counter()
    events = received.count(b"\nevent: ") + received.startswith(b"event: ")
    finished = b"event: complete" in received
    alive = descendants(server_pid)
    closed = time.perf_counter()
    sock.close()
    dead_ms = wait_dead(alive, server_pid, closed) if alive and not finished else None
    if not alive:  # nothing to measure, but nothing may survive either
        wait_dead(set(), server_pid, closed)
    return Abort(
        language=language,
        abort_after_s=round(abort_after, 4),
        ttfb_ms=round((ttfb - sent) * 1000, 3),
        first_event_ms=round((first_event - sent) * 1000, 3) if first_event else None,
        events_before_close=events,
        finished_before_close=finished,
        alive_at_close=len(alive),
        close_to_dead_ms=round(dead_ms, 3) if dead_ms is not None else None,
    )


def start_server(root: Path, problems: Path, port: int) -> subprocess.Popen[bytes]:
    """`python -m judgebox.server` on `port`; returns once /healthz answers."""
    work = root / "work"
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "judgebox.server", "--port", str(port), "--problems",
         str(problems), "--db", str(root / "runs.sqlite3"), "--work-root", str(work)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("JUDGEBOX_")},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((root / "server.log").read_text())
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start within 60 s")


def write_report(result: dict[str, Any], env: Environment) -> str:
    """cancel.json and cancel.md; the page."""
    s = result["summary"]

    def row(name: str, p: dict[str, float]) -> str:
        if not p.get("n"):
            return f"| {name} | 0 | - | - | - | - | - |"
        return (f"| {name} | {p['n']} | {p['median']} | {p['p95']} | {p['p99']} | {p['min']} "
                f"| {p['max']} |")  # fmt: skip

    lines = [
        "# Cancel latency (bench/bench_cancel.py)",
        "",
        f"{result['runs']} runs through the real HTTP API (SSE), each closed by the client at a "
        "random moment; Python (sleep) and C (busy loop) programs, 4 cases of ~0.15 s, "
        "2 boxes at a time (other work shares the machine: see the load below).",
        "",
        "| figure (ms) | n | median | p95 | p99 | min | max |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        row("client close -> every sandboxed process dead (/proc)", s["close_to_dead_ms"]),
        row("server: cancel -> judge unwound (log / metric)", s["server_cancel_to_dead_ms"]),
        row("baseline: SIGKILL `sleep` -> dead (same polling)", s["baseline_kill_ms"]),
        row("time to first byte", s["ttfb_ms"]),
        row("time to the `start` event", s["first_event_ms"]),
        "",
        f"Goal p99 close -> dead <= {GOAL_P99_MS:g} ms: **{'met' if s['goal_met'] else 'NOT met'}**"
        f" (p99 {s['close_to_dead_ms'].get('p99', 'n/a')} ms; "
        f"median is {s['ratio_median_to_baseline']}x the baseline kill).",
        "",
        f"Aborts: {s['measured']} with sandboxed processes alive at the close (measured), "
        f"{s['nothing_alive']} with none alive yet (request, queue or between boxes), "
        f"{s['finished_first']} that finished before their abort moment. "
        f"Leftover processes after any abort: {s['leftovers']}.",
        "",
    ]
    page = "\n".join(lines)
    write("cancel", result, page, env)
    return page


def main() -> int:
    """Run the benchmark; 1 when the goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=220)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-abort", type=float, default=0.45, help="seconds")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    env = capture()
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-cancel-"))
    root.chmod(0o711)
    problems = write_problem(root)
    port = free_port()
    server = start_server(root, problems, port)
    aborts: list[Abort] = []
    try:
        for language in PROGRAMS:  # warm the compile cache and the toolchains once
            abort_one(port, server.pid, language, 3.0)
        for i in range(args.runs):
            language = list(PROGRAMS)[i % len(PROGRAMS)]
            aborts.append(abort_one(port, server.pid, language, rng.uniform(0, args.max_abort)))
        leftovers = len(descendants(server.pid))
        baseline = baseline_kill_ms(100)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    log = (root / "server.log").read_text()
    server_dead = [
        float(x) for x in re.findall(r"cancelled by the client .*?dead ([\d.]+) ms", log)
    ]
    measured = [a.close_to_dead_ms for a in aborts if a.close_to_dead_ms is not None]
    close_to_dead = spread(measured)
    base = spread(baseline)
    summary = {
        "close_to_dead_ms": close_to_dead,
        "server_cancel_to_dead_ms": spread(server_dead),
        "baseline_kill_ms": base,
        "ttfb_ms": spread([a.ttfb_ms for a in aborts]),
        "first_event_ms": spread([a.first_event_ms for a in aborts if a.first_event_ms]),
        "measured": len(measured),
        "nothing_alive": sum(
            1 for a in aborts if not a.alive_at_close and not a.finished_before_close
        ),
        "finished_first": sum(1 for a in aborts if a.finished_before_close),
        "leftovers": leftovers,
        "goal_met": (
            bool(measured) and close_to_dead.get("p99", 1e9) <= GOAL_P99_MS and leftovers == 0
        ),
        "ratio_median_to_baseline": (
            round(close_to_dead["median"] / base["median"], 1) if measured and base["n"] else None
        ),
    }
    result = {"runs": args.runs, "seed": args.seed, "max_abort_s": args.max_abort,
              "summary": summary, "aborts": [asdict(a) for a in aborts]}  # fmt: skip
    page = write_report(result, env)
    shutil.rmtree(root, ignore_errors=True)
    print(page)
    return 0 if summary["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
