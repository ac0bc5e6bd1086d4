"""judgebox vs a naive unsandboxed loop vs DMOJ's judge 4.1.0: same machine, same run, same cases.

    bash bench/peers/setup_dmoj.sh              # once: DMOJ into bench/.venv-dmoj
    .venv/bin/python bench/bench_dmoj.py [--repeat 5]

Workloads (the 50 secret cases of problems/aplusb, 1 s limit, 256 MiB):
AC in C++ and Python; a program wrong on every case with stop-on-first-failure
(so one case is judged); one busy-looping C++ case (TLE).

Systems, each timed as the wall time of one whole command or judge call:
- naive: bench/peers/naive_judge.py (g++ with judgebox's flags, subprocess.run per case);
- judgebox CLI: `judgebox run PKG SRC --json` as a user runs it, with 2 (the
  default: one per core) and with 1 parallel box;
- judgebox in-process: one `Judge.run()` with 2 and 1 parallel boxes (sandbox opened once);
- DMOJ: `dmoj-cli … -- submit`, which judges one case at a time.
Every call compiles cold (judgebox gets a fresh compile cache each call).
judgebox's own bytecode is written first (as installing it does; DMOJ's venv has
its bytecode from pip), so no CLI call recompiles judgebox's Python modules.

Per case = (median wall of the 50-case run - median wall of the 1-case run) / 49:
start-up and compile are the same in both, so this is the marginal cost of a case,
measured the same way for every system. "in-run" is each system's own view where
it has one: naive's loop time / 50, judgebox's (complete - compile event) / 50,
DMOJ's time from the first to the last case line / 49.
Rounds interleave the systems (rotating order) so load from other work hits all.
Writes bench/results/dmoj.json and bench/results/dmoj.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchcore import Environment, capture, spread, spread_cell, write
from peers.datasets import lay_out

from judgebox.judging.judge import Judge, Submission
from judgebox.languages.toolchains import available_languages
from judgebox.problems.package import load_problem
from judgebox.sandbox import Sandbox, SandboxConfig
from judgebox.settings import Settings
from judgebox.vocabulary.events import CompileEvent, CompleteEvent

BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
DMOJ_CLI = BENCH / ".venv-dmoj" / "bin" / "dmoj-cli"
UID_BASE = 65200  # CLI boxes 65200.., in-process 65264..: no other suite uses these
SOURCES = {
    "ac.cpp": '#include <cstdio>\nint main(){long long a,b;scanf("%lld %lld",&a,&b);'
    'printf("%lld\\n",a+b);}\n',
    "ac.py": "a, b = map(int, input().split())\nprint(a + b)\n",
    "wa.cpp": '#include <cstdio>\nint main(){long long a,b;scanf("%lld %lld",&a,&b);'
    'printf("%lld\\n",a+b+1);}\n',
    "wa.py": "a, b = map(int, input().split())\nprint(a + b + 1)\n",
    "tle.cpp": "int main(){for(;;);}\n",
}
DMOJ_LANGUAGE = {"cpp": "CPP17", "python3": "PY3"}


@dataclass(frozen=True, slots=True)
class Workload:
    """One row of the comparison."""

    key: str
    title: str
    language: str  # judgebox id: cpp | python3
    source: str  # a key of SOURCES
    cases: int  # 50 or 1
    stop: bool  # stop on first failure
    expected: str  # overall verdict every system must report


@dataclass(frozen=True, slots=True)
class Timing:
    """One measured call."""

    wall: float  # seconds, whole command / judge call
    in_run_per_case: float | None  # seconds, the system's own view (see the docstring)
    verdict: str


WORKLOADS = [
    Workload("ac-cpp", "AC, C++, 50 cases", "cpp", "ac.cpp", 50, False, "AC"),
    Workload("ac-cpp-1", "AC, C++, 1 case", "cpp", "ac.cpp", 1, False, "AC"),
    Workload("ac-py", "AC, Python, 50 cases", "python3", "ac.py", 50, False, "AC"),
    Workload("ac-py-1", "AC, Python, 1 case", "python3", "ac.py", 1, False, "AC"),
    Workload("wa-cpp", "WA on case 1, stop on first failure, C++", "cpp", "wa.cpp", 50, True, "WA"),
    Workload(
        "wa-py", "WA on case 1, stop on first failure, Python", "python3", "wa.py", 50, True, "WA"
    ),
    Workload("tle-cpp", "TLE, one case, 1 s limit, C++", "cpp", "tle.cpp", 1, False, "TLE"),
]
Runner = Callable[[Workload], Awaitable[Timing]]


class Bench:
    """The laid-out problems, the sources and one runner per system."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dmoj_config = lay_out(root)
        self.src = root / "src"
        self.src.mkdir()
        for name, text in SOURCES.items():
            (self.src / name).write_text(text)
        self.calls = 0
        self.sandbox = Sandbox.open(SandboxConfig(work_root=root / "work-inproc",
                                                  uid_base=UID_BASE + 64))  # fmt: skip
        self.toolchains = available_languages()

    def package(self, w: Workload) -> Path:
        return self.root / "judgebox" / ("aplusb50" if w.cases == 50 else "aplusb1")

    def fresh_cache(self) -> Path:
        self.calls += 1
        return self.root / f"cache-{self.calls}"

    async def naive(self, w: Workload) -> Timing:
        argv = ["/usr/bin/python3", str(BENCH / "peers" / "naive_judge.py"), str(self.package(w)),
                str(self.src / w.source), "--time-limit", "1"]  # fmt: skip
        argv += ["--stop-on-first-failure"] if w.stop else []
        wall, out = timed_command(argv)
        doc = json.loads(out)
        return Timing(wall, doc["runSeconds"] / w.cases, doc["verdict"])

    def cli(self, parallelism: int) -> Runner:
        async def run(w: Workload) -> Timing:
            argv = [str(VENV_BIN / "judgebox"), "run", str(self.package(w)),
                    str(self.src / w.source), "--language", w.language, "--json"]  # fmt: skip
            argv += ["--stop-on-first-failure"] if w.stop else []
            env = dict(os.environ, JUDGEBOX_WORK_ROOT=str(self.root / "work-cli"),
                       JUDGEBOX_CACHE_DIR=str(self.fresh_cache()),
                       JUDGEBOX_UID_BASE=str(UID_BASE), JUDGEBOX_PARALLELISM=str(parallelism),
                       JUDGEBOX_LOG_LEVEL="WARNING")  # fmt: skip
            env.pop("JUDGEBOX_INSECURE", None)
            wall, out = timed_command(argv, env=env)
            return Timing(wall, None, json.loads(out)["summary"]["verdict"])

        return run

    def in_process(self, parallelism: int) -> Runner:
        async def run(w: Workload) -> Timing:
            settings = Settings(cache_dir=self.fresh_cache(), parallelism=parallelism,
                                work_root=self.root / "work-inproc")  # fmt: skip
            judge = Judge(settings, self.sandbox, toolchains=self.toolchains)
            sub = Submission(load_problem(self.package(w), settings.cache_dir), w.language,
                             SOURCES[w.source], stop_on_first_failure=w.stop)  # fmt: skip
            started = time.perf_counter()
            compiled, verdict = started, "?"
            async for event in judge.run(sub):
                if isinstance(event, CompileEvent):
                    compiled = time.perf_counter()
                elif isinstance(event, CompleteEvent):
                    verdict = str(event.summary.verdict)
            ended = time.perf_counter()
            return Timing(ended - started, (ended - compiled) / w.cases, verdict)

        return run

    async def dmoj(self, w: Workload) -> Timing:
        problem = "aplusb1" if w.cases == 1 else "aplusb50sc" if w.stop else "aplusb50"
        argv = [str(DMOJ_CLI), "-c", str(self.dmoj_config), "--no-ansi", "--skip-self-test",
                "-e", "PY3,CPP17", "--", "submit", problem, DMOJ_LANGUAGE[w.language],
                str(self.src / w.source), "-tl", "1", "-ml", "262144"]  # fmt: skip
        return dmoj_command(argv)

    def systems(self) -> dict[str, Runner]:
        """Every system under comparison, by the name the report uses."""
        return {
            "naive (no sandbox)": self.naive,
            "judgebox CLI, 2 boxes": self.cli(2),
            "judgebox CLI, 1 box": self.cli(1),
            "judgebox in-process, 2 boxes": self.in_process(2),
            "judgebox in-process, 1 box": self.in_process(1),
            "DMOJ 4.1.0 CLI": self.dmoj,
        }


def timed_command(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """(wall seconds, stdout) of a command that must not fail for a usage reason."""
    started = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, env=env, check=False)
    wall = time.perf_counter() - started
    if out.returncode not in (0, 1):
        raise RuntimeError(f"{argv[0]} exited {out.returncode}: {out.stderr.decode()[-2000:]}")
    return wall, out.stdout.decode()


_DMOJ_CASE = re.compile(r"^Test case\s+(\d+)\s+(\S+)")


def dmoj_command(argv: list[str]) -> Timing:
    """Run dmoj-cli, timestamping its case lines as they appear; the first non-AC is the verdict."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    stamps: list[float] = []
    verdicts: list[str] = []
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        match = _DMOJ_CASE.match(line)
        if match:
            stamps.append(time.perf_counter())
            verdicts.append(match.group(2))
    proc.wait()
    wall = time.perf_counter() - started
    if not verdicts:
        raise RuntimeError("dmoj-cli judged nothing:\n" + "".join(lines[-30:]))
    verdict = next((v for v in verdicts if v not in ("AC", "--")), "AC")
    per_case = (stamps[-1] - stamps[0]) / (len(stamps) - 1) if len(stamps) > 1 else None
    return Timing(wall, per_case, verdict)


async def measure(bench: Bench, repeat: int) -> dict[str, dict[str, list[Timing]]]:
    """repeat rounds; in each, every workload on every system (order rotated per round)."""
    systems = bench.systems()
    names = list(systems)
    timings: dict[str, dict[str, list[Timing]]] = {w.key: {n: [] for n in names} for w in WORKLOADS}
    for round_no in range(repeat):
        order = names[round_no % len(names) :] + names[: round_no % len(names)]
        for w in WORKLOADS:
            for name in order:
                t = await systems[name](w)
                if t.verdict != w.expected:
                    raise RuntimeError(f"{name} on {w.key}: {t.verdict}, expected {w.expected}")
                timings[w.key][name].append(t)
        print(f"round {round_no + 1}/{repeat} done", flush=True)
    return timings


DMOJ = "DMOJ 4.1.0 CLI"


def summarize(timings: dict[str, dict[str, list[Timing]]], repeat: int) -> dict[str, Any]:
    """One row per measured figure: the median of each system, in ms, and its ratio to DMOJ."""

    def wall(key: str, name: str) -> float:
        return statistics.median(t.wall for t in timings[key][name]) * 1000

    def wall_spread(key: str) -> dict[str, dict[str, float]]:
        return {n: spread((t.wall for t in timings[key][n]), scale=1000) for n in names}

    def in_run(key: str, name: str) -> float | None:
        views = [t.in_run_per_case for t in timings[key][name] if t.in_run_per_case is not None]
        return statistics.median(views) * 1000 if views else None

    names = list(timings[WORKLOADS[0].key])
    rows: list[dict[str, object]] = []

    def add(
        label: str,
        figure: dict[str, float | None],
        spreads: dict[str, dict[str, float]] | None = None,
    ) -> None:
        base = figure[DMOJ]
        rows.append({
            "row": label,
            "ms": {n: None if v is None else round(v, 2) for n, v in figure.items()},
            "ratio_to_dmoj": {n: None if v is None or not base else round(v / base, 3)
                              for n, v in figure.items()},
            **({"spread_ms": spreads} if spreads else {}),
        })  # fmt: skip

    for w in WORKLOADS:
        if w.cases == 1 and w.expected == "AC":
            continue  # the 1-case runs only serve the per-case figure
        add(f"{w.title}: wall", {n: wall(w.key, n) for n in names}, wall_spread(w.key))
        if w.expected == "AC":
            one = f"{w.key}-1"
            add(f"{w.title}: per case (marginal)",
                {n: (wall(w.key, n) - wall(one, n)) / 49 for n in names})  # fmt: skip
            add(f"{w.title}: per case (in-run)", {n: in_run(w.key, n) for n in names})
        if w.expected == "TLE":
            add(f"{w.title}: reported after compile", {n: in_run(w.key, n) for n in names})
    return {"repeat": repeat, "cases": 50, "systems": names, "rows": rows}


def _cell(row: dict[str, Any], name: str) -> str:
    ms, ratio = row["ms"][name], row["ratio_to_dmoj"][name]
    if ms is None:
        return "-"
    return f"{ms:.1f}" if ratio is None or name == DMOJ else f"{ms:.1f} (x{ratio:.2f})"


def write_report(figures: dict[str, Any], env: Environment) -> None:
    """bench/results/dmoj.json and dmoj.md."""
    names: list[str] = figures["systems"]
    lines = [
        "# judgebox vs a naive loop vs DMOJ judge 4.1.0 (same machine, same run)",
        "",
        f"50 secret cases of problems/aplusb, 1 s limit, 256 MiB. Medians of "
        f"{figures['repeat']} interleaved rounds, milliseconds; in brackets the ratio to "
        "DMOJ (< 1: faster). Every call compiles cold. *wall*: the whole command (CLI) or "
        "judge call (in-process). *per case (marginal)*: (wall of 50 cases - wall of 1 "
        "case) / 49, start-up and compile cancel out; the same for every system. *per "
        "case (in-run)*: the system's own view (naive: its loop; judgebox: complete - "
        "compile event; DMOJ: first to last case line). DMOJ judges one case at a time.",
        "",
        f"judgebox {figures['isolation']}.",
        "",
        "| figure | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
    ]
    for row in figures["rows"]:
        lines.append(f"| {row['row']} | " + " | ".join(_cell(row, n) for n in names) + " |")
    lines += ["", _verdict_line(figures), "",
              "Spread of the wall rows: median (p95, min-max, n) in ms.", "",
              "| wall | " + " | ".join(names) + " |",
              "| --- |" + " --- |" * len(names)]  # fmt: skip
    for row in figures["rows"]:
        if "spread_ms" in row:
            cells = " | ".join(spread_cell(row["spread_ms"][n]) for n in names)
            lines.append(f"| {row['row'].removesuffix(': wall')} | {cells} |")
    lines += ["", "Start-up paid by every command: median (p95, min-max, n) in ms:", ""]
    lines += [f"- {label}: {spread_cell(s)}" for label, s in figures["startup_ms"].items()]
    lines += ["", WHY_CLI_ROWS, ""]
    write("dmoj", figures, "\n".join(lines), env)


# What no start-up work removes (issue 17), measured while writing the CLI's start-up cuts.
WHY_CLI_ROWS = """\
What a judgebox CLI call still pays that DMOJ's does not, and why a CLI row can lose on a \
loaded host: (1) boxes: a stop-on-first-failure run with 2 slots starts 3 bubblewrap boxes \
(the compile's and one per slot, the slots' during the compile), each with user, pid, net, \
ipc, uts, mount and cgroup namespaces, its own cgroup, uid and supervisor; DMOJ runs the \
compiler and the program as its own children under ptrace and seccomp, with no namespace \
to set up. A box start is 4-7 ms of an idle host (bench/peers, PEERS.md), but it is a chain \
of processes (judge -> bwrap -> bwrap's init -> supervisor -> its ready message) and on a \
host whose load exceeds its cores every hand-off waits for a CPU; (2) the judge's Python \
start-up: asyncio, anyio with its asyncio backend (which imports ssl), the sandbox, the \
problem model and the events, all dataclasses (`python -c 'import judgebox.judging.judge'` \
above; DMOJ's `import dmoj.cli` is the comparable figure); typer, PyYAML, the language \
table's TOML, uuid/platform and the case-judging modules are no longer on this path \
(docs/architecture.md, "What a cold judgebox run imports and reads"); (3) the TLE row \
under load: a busy loop that gets less than a CPU reaches its 1 s of CPU time late, so \
judgebox reports it at its wall limit (2 x the CPU limit + 1 s = 3 s) after its start-up \
and compile, while DMOJ's figure is its own ~3.3 s clock; on an idle host judgebox reports \
it 1.03 s after the compile (bench_judge). Lowering the wall limit would turn slow-but-\
correct programs on a loaded judge into TLEs, so it stays. The in-process columns (no \
interpreter start, one sandbox open) are what judging itself costs."""


def _verdict_line(figures: dict[str, Any]) -> str:
    """Which judgebox modes beat DMOJ on every wall / per-case row."""
    parts = []
    for name in figures["systems"]:
        if not name.startswith("judgebox"):
            continue
        losing = [r["row"] for r in figures["rows"]
                  if "in-run" not in r["row"] and "after compile" not in r["row"]
                  and (r["ratio_to_dmoj"][name] or 0) >= 1]  # fmt: skip
        parts.append(f"{name}: " + ("faster than DMOJ on every row" if not losing
                                    else "not faster on " + "; ".join(losing)))  # fmt: skip
    return "Goal (faster than DMOJ on every row, fully sandboxed): " + " · ".join(parts) + "."


def compile_judgebox() -> None:
    """Write judgebox's bytecode, as installing it does (DMOJ's venv has it from pip): without
    it (a source checkout under PYTHONDONTWRITEBYTECODE) every CLI call would recompile it."""
    import judgebox

    package = str(Path(judgebox.__file__).parent)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def startup_costs(repeat: int) -> dict[str, dict[str, float]]:
    """Spread (ms) of what every `judgebox run` pays before judging: interpreter, imports."""
    python = str(VENV_BIN / "python")
    commands = {
        "python -c pass (venv)": [python, "-c", "pass"],
        "python -c 'import judgebox.cli'": [python, "-c", "import judgebox.cli"],
        # what `judgebox run` imports before its compile (the case judging comes during it)
        "python -c 'import judgebox.judging.judge'": [python, "-c",
                                                      "import judgebox.judging.judge"],
        "judgebox --help (typer)": [str(VENV_BIN / "judgebox"), "--help"],
        "python -c 'import dmoj.cli' (DMOJ venv)": [
            str(DMOJ_CLI.parent / "python"), "-c", "import dmoj.cli"],
    }  # fmt: skip
    samples: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(repeat):  # interleaved, so a burst of load hits every command alike
        for label, argv in commands.items():
            samples[label].append(timed_command(argv)[0])
    return {label: spread(values, scale=1000) for label, values in samples.items()}


async def main(repeat: int) -> dict[str, Any]:
    """Lay out, measure, summarize; clean up whatever happens."""
    if not DMOJ_CLI.exists():
        sys.exit(f"{DMOJ_CLI} is missing: run `bash bench/peers/setup_dmoj.sh` first")
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-dmoj-", dir="/tmp"))
    root.chmod(0o711)
    compile_judgebox()
    bench = Bench(root)
    try:
        figures = summarize(await measure(bench, repeat), repeat)
    finally:
        bench.sandbox.close()
        shutil.rmtree(root, ignore_errors=True)
    figures["isolation"] = bench.sandbox.isolation.summary()
    figures["startup_ms"] = startup_costs(repeat)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    environment = capture()
    write_report(asyncio.run(main(parser.parse_args().repeat)), environment)
