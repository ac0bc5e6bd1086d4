"""The judge with a real sandbox: verdicts, order, parallelism, cache, validators, cancel."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge, Submission
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import inline_problem
from judgebox.vocabulary.events import CaseResultEvent, CompileEvent, CompleteEvent, StartEvent
from judgebox.vocabulary.verdicts import RunStatus, Verdict

from .conftest import collect

pytestmark = pytest.mark.anyio

APLUSB_PY = "a, b = map(int, input().split())\nprint(a + b)\n"
APLUSB_CPP = (
    '#include <cstdio>\nint main(){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);}\n'
)


def _cases(events: Sequence[object]) -> list[CaseResultEvent]:
    return [e for e in events if isinstance(e, CaseResultEvent)]


def _complete(events: Sequence[object]) -> CompleteEvent:
    last = events[-1]
    assert isinstance(last, CompleteEvent)
    return last


async def test_accepted_run_emits_every_event_in_order(
    judge: Judge, library: ProblemLibrary
) -> None:
    problem = library.get("aplusb")
    events = await collect(judge, problem, "python3", APLUSB_PY)
    assert isinstance(events[0], StartEvent) and events[0].total_cases == len(problem.cases)
    assert isinstance(events[1], CompileEvent) and events[1].result.ok
    cases = _cases(events)
    assert [c.result.index for c in cases] == list(range(1, len(problem.cases) + 1))
    assert all(c.result.verdict is Verdict.AC for c in cases)
    summary = _complete(events).summary
    assert (
        summary.verdict is Verdict.AC and summary.completed and summary.status is RunStatus.FINISHED
    )
    assert summary.passed == len(problem.cases)
    # samples carry texts for the diff view, secret cases do not
    sample = next(c.result for c in cases if c.result.name.startswith("sample"))
    secret = next(c.result for c in cases if c.result.name.startswith("secret"))
    assert sample.input is not None and sample.answer is not None and sample.output is not None
    assert secret.input is None and secret.output is None


async def test_parallel_results_stay_in_dataset_order(judge: Judge, tmp_path: Path) -> None:
    # Early cases are slow, later ones fast: with 2 slots, later results finish first.
    cases = [
        {"name": f"c{i}", "input": f"{0.3 if i < 2 else 0}\n", "answer": "ok\n"} for i in range(6)
    ]
    problem = inline_problem(cases, tmp_path)
    code = "import time\ntime.sleep(float(input()))\nprint('ok')\n"
    events = await collect(judge, problem, "python3", code)
    assert [c.result.name for c in _cases(events)] == [f"c{i}" for i in range(6)]
    assert _complete(events).summary.verdict is Verdict.AC


async def test_wrong_answer_feedback_says_where(judge: Judge, tmp_path: Path) -> None:
    problem = inline_problem([{"input": "1 2\n", "answer": "3\n"}], tmp_path)
    events = await collect(judge, problem, "python3", "print(4)\n")
    (case,) = _cases(events)
    assert case.result.verdict is Verdict.WA
    assert "expected 3" in case.result.feedback and "4" in case.result.feedback


async def test_stop_on_first_failure_skips_the_rest(judge: Judge, tmp_path: Path) -> None:
    cases = [{"input": f"{i}\n", "answer": f"{i}\n"} for i in range(8)]
    problem = inline_problem(cases, tmp_path)
    code = "n = int(input())\nprint(n if n != 2 else -1)\n"
    events = await collect(judge, problem, "python3", code, stop_on_first_failure=True)
    verdicts = [c.result.verdict for c in _cases(events)]
    assert verdicts == [Verdict.AC, Verdict.AC, Verdict.WA] + [Verdict.SKIPPED] * 5
    summary = _complete(events).summary
    assert (summary.verdict, summary.passed, summary.failed, summary.skipped) == (
        Verdict.WA,
        2,
        1,
        5,
    )
    assert not summary.completed


async def test_compile_error_and_cache(judge: Judge, library: ProblemLibrary) -> None:
    problem = library.get("aplusb")
    events = await collect(judge, problem, "cpp", "int main() { return x; }\n")
    compile_event = events[1]
    assert isinstance(compile_event, CompileEvent) and not compile_event.result.ok
    output = compile_event.result.output
    assert "x" in output and "was not declared" in output
    assert _complete(events).summary.verdict is Verdict.CE
    assert _complete(events).summary.status is RunStatus.COMPILE_ERROR
    # A resubmission of the same source is not compiled again.
    code = APLUSB_CPP + f"// {time.time_ns()}\n"
    first = await collect(judge, problem, "cpp", code)
    second = await collect(judge, problem, "cpp", code)
    c1, c2 = first[1], second[1]
    assert isinstance(c1, CompileEvent) and isinstance(c2, CompileEvent)
    assert not c1.result.cached and c2.result.cached
    assert _complete(second).summary.verdict is Verdict.AC


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("while True: pass\n", Verdict.TLE),
        ("import time\ntime.sleep(30)\n", Verdict.TLE),
        ("x = bytearray(1 << 30)\nx[::4096] = b'1' * len(x[::4096])\n", Verdict.MLE),
        ("import sys\nwhile True: sys.stdout.write('x' * 65536)\n", Verdict.OLE),
        ("raise SystemExit(3)\n", Verdict.RTE),
        ("import os\nos.kill(os.getpid(), 11)\n", Verdict.RTE),
    ],
)
async def test_failure_verdicts(judge: Judge, tmp_path: Path, code: str, verdict: Verdict) -> None:
    problem = inline_problem([{"input": "1\n", "answer": "1\n"}], tmp_path)
    events = await collect(judge, problem, "python3", code)
    (case,) = _cases(events)
    assert case.result.verdict is verdict, case.result.feedback
    assert case.result.feedback


async def test_tle_on_a_busy_loop(judge: Judge, library: ProblemLibrary) -> None:
    # How close to the limit TLE is reported is measured by bench/bench_judge.py, not here:
    # a loaded machine may hit the wall-clock limit first, which is a TLE as well.
    problem = library.get("aplusb")  # 1 s time limit
    one_case = dataclasses.replace(problem, cases=problem.cases[:1])
    events = await collect(judge, one_case, "cpp", "int main(){for(;;);}\n")
    case = _cases(events)[0].result
    assert case.verdict is Verdict.TLE
    assert "time limit" in case.feedback or "wall-clock limit" in case.feedback


async def test_custom_validator(judge: Judge, library: ProblemLibrary) -> None:
    problem = library.get("anysum")
    good = await collect(judge, problem, "python3", "n = int(input())\nprint(n, 0)\n")
    assert _complete(good).summary.verdict is Verdict.AC
    bad = await collect(judge, problem, "python3", "n = int(input())\nprint(n, 1)\n")
    wa = [c.result for c in _cases(bad) if c.result.verdict is Verdict.WA]
    assert wa and wa[0].feedback  # the validator's judgemessage


async def test_interactive_problem(judge: Judge, library: ProblemLibrary) -> None:
    problem = library.get("guess")
    accepted = next(p for v, p in _submissions(problem) if v is Verdict.AC and p.suffix == ".py")
    events = await collect(judge, problem, "python3", accepted.read_text())
    assert _complete(events).summary.verdict is Verdict.AC
    silent = await collect(judge, problem, "python3", "import sys\nsys.stdin.read()\n")
    assert _cases(silent)[0].result.verdict in (Verdict.TLE, Verdict.WA)
    wrong = await collect(judge, problem, "python3", "print(1, flush=True)\nprint(1, flush=True)\n")
    assert _complete(wrong).summary.verdict in (Verdict.WA, Verdict.RTE)


def _submissions(problem: object) -> list[tuple[Verdict, Path]]:
    from judgebox.problems.library import submissions

    return submissions(problem)  # type: ignore[arg-type]


async def test_cancel_mid_case_kills_at_once(judge: Judge, tmp_path: Path) -> None:
    cases = [{"input": "x\n", "answer": "x\n"} for _ in range(3)]
    # A 20 s limit: a cancel that waited for the case to end would take it (how fast a
    # cancel is, is bench_cancel.py's figure; a test asserts no tight time).
    problem = dataclasses.replace(inline_problem(cases, tmp_path), time_limit=20.0)
    sub = Submission(problem, "python3", "while True: pass\n")
    seen: list[str] = []

    async def consume() -> None:
        async for event in judge.run(sub):
            seen.append(event.name)

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0.6)  # compiled, first case spinning
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 5.0
    assert "case-result" not in seen
    assert not _box_processes(61200, 61263), "a sandboxed process survived the cancel"
    assert not (judge.sandbox.instance_dir / "runs" / sub.run_id).exists()


async def test_closing_the_generator_kills_too(judge: Judge, tmp_path: Path) -> None:
    problem = inline_problem([{"input": "1\n", "answer": "1\n"}] * 2, tmp_path)
    gen = judge.run(Submission(problem, "python3", "import time\ntime.sleep(60)\n"))
    assert (await gen.__anext__()).name == "start"
    assert (await gen.__anext__()).name == "compile"
    waiter = asyncio.ensure_future(gen.__anext__())
    await asyncio.sleep(0.3)
    assert _box_processes(61200, 61263)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await gen.aclose()
    assert not _box_processes(61200, 61263)


def _box_processes(low: int, high: int) -> list[int]:
    """Pids of live (non-zombie) processes whose uid is in the box uid range."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                status = f.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = int(fields.get("Uid", "0").split()[0])
        if low <= uid <= high and "Z" not in fields.get("State", ""):
            found.append(int(entry))
    return found
