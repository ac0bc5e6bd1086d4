"""Boxes started while the compiler runs (judge.py EarlyBoxes, the CLI's setting): they judge
the cases of a fresh compile, are not used on a cache hit or a compile error, and are
closed in every outcome (stop on first failure, cancel), with nothing left running."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from judgebox.judging.judge import EarlyBoxes, Judge, Submission
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import inline_problem
from judgebox.sandbox import Sandbox
from judgebox.settings import Settings
from judgebox.vocabulary.events import CaseResultEvent, CompleteEvent
from judgebox.vocabulary.verdicts import Verdict

from .conftest import collect
from .test_judge import APLUSB_CPP

pytestmark = pytest.mark.anyio


@pytest.fixture
def early_judge(settings: Settings, sandbox: Sandbox) -> Judge:
    return Judge(settings, sandbox, boxes_during_compile=True)


def _our_box_processes() -> list[int]:
    """Live processes of a box uid that descend from this test process (other test sessions
    on the machine use the same uid range: their boxes are not ours to count)."""
    parent: dict[int, int] = {}
    live: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(entry)
        parent[pid] = int(fields.get("PPid", "0").strip() or 0)
        uid = int(fields.get("Uid", "0").split()[0])
        if 61200 <= uid <= 61263 and "Z" not in fields.get("State", ""):
            live.add(pid)
    me = os.getpid()

    def ours(pid: int) -> bool:
        seen = 0
        while pid > 1 and seen < 64:
            pid, seen = parent.get(pid, 0), seen + 1
            if pid == me:
                return True
        return False

    return sorted(pid for pid in live if ours(pid))


def _verdicts(events: Sequence[object]) -> list[Verdict]:
    return [e.result.verdict for e in events if isinstance(e, CaseResultEvent)]


def _all_uids_back(judge: Judge) -> bool:
    return judge.sandbox.free_uids == judge.sandbox.config.uid_count


async def test_a_fresh_compile_judges_on_boxes_started_during_it(
    early_judge: Judge, library: ProblemLibrary
) -> None:
    code = APLUSB_CPP + f"// early {time.time_ns()}\n"  # a fresh compile, not a cache hit
    events = await collect(early_judge, library.get("aplusb"), "cpp", code)
    complete = events[-1]
    assert isinstance(complete, CompleteEvent) and complete.summary.verdict is Verdict.AC
    assert set(_verdicts(events)) == {Verdict.AC}
    assert early_judge.early_boxes_used == 2  # parallelism 2: both slots
    # The same source again: a cache hit starts no box during a compile (there is none).
    again = await collect(early_judge, library.get("aplusb"), "cpp", code)
    assert isinstance(again[-1], CompleteEvent) and again[-1].summary.verdict is Verdict.AC
    assert early_judge.early_boxes_used == 2
    assert _all_uids_back(early_judge)


async def test_a_compile_error_closes_them(early_judge: Judge, library: ProblemLibrary) -> None:
    events = await collect(early_judge, library.get("aplusb"), "cpp", "int main() { x; }\n")
    complete = events[-1]
    assert isinstance(complete, CompleteEvent) and complete.summary.verdict is Verdict.CE
    assert early_judge.early_boxes_used == 0
    assert _all_uids_back(early_judge)
    assert not _our_box_processes()


async def test_stop_on_first_failure_with_them(early_judge: Judge, tmp_path: Path) -> None:
    cases = [{"input": f"{i}\n", "answer": f"{i}\n"} for i in range(6)]
    problem = inline_problem(cases, tmp_path)
    code = f"n = int(input())\nprint(n if n != 1 else -1)  # {time.time_ns()}\n"
    events = await collect(early_judge, problem, "python3", code, stop_on_first_failure=True)
    assert _verdicts(events) == [Verdict.AC, Verdict.WA] + [Verdict.SKIPPED] * 4
    assert early_judge.early_boxes_used == 2
    assert _all_uids_back(early_judge)
    assert not _our_box_processes()


async def test_cancel_kills_them(early_judge: Judge, tmp_path: Path) -> None:
    problem = inline_problem([{"input": "x\n", "answer": "x\n"}] * 3, tmp_path)
    sub = Submission(problem, "python3", f"while True: pass  # {time.time_ns()}\n")

    async def consume() -> None:
        async for _ in early_judge.run(sub):
            pass

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0.6)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _our_box_processes(), "a sandboxed process survived the cancel"
    assert _all_uids_back(early_judge)


async def test_a_compile_faster_than_the_box_start_waits_for_the_boxes(
    sandbox: Sandbox, shared_tmp: Path
) -> None:
    """bwrap binds the build directory by its name while it sets a box up; the compile
    renames that directory into the cache when it ends. A compile that ends first (a Python
    syntax check, seen in CI) must wait for the boxes, or they fail to start."""
    from judgebox.judging.compilation import compile_source
    from judgebox.languages.table import load_languages
    from judgebox.vocabulary.limits import Limits

    root = shared_tmp / f"early-rename-{time.time_ns()}"
    root.mkdir(mode=0o711)
    early = EarlyBoxes(sandbox, root, "early-rename", 2)
    compiled = asyncio.Event()
    held: list[Path] = []

    def on_build(build: Path) -> asyncio.Future[None]:
        # The boxes begin only once the compiler has finished: the worst order.
        async def late() -> None:
            await compiled.wait()
            held.append(build)
            started = early.begin(build)
            assert started is not None
            await started

        return asyncio.ensure_future(late())

    async with early:
        python = load_languages()["python3"]
        code = f"print(1)  # {time.time_ns()}\n".encode()
        compile_task = asyncio.ensure_future(compile_source(
            sandbox, python, "test", code, "main.py", limits=Limits(), workspace=root,
            cache_dir=root / "cache", on_build=on_build,
        ))  # fmt: skip
        while not any(p.name.startswith("build-") for p in root.iterdir()):
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.5)  # the syntax check is long over
        assert not compile_task.done(), "the compile renamed its build before the boxes were up"
        compiled.set()
        artifact = await compile_task
        assert artifact.result.ok and held
        started = await early.take(artifact)
        assert len(started) == 2, "a box started during the compile failed"
        box = started[0].submission
        assert box is not None
        result = await box.run(["/usr/bin/python3", "main.py"], limits=Limits())
        assert result.stdout == b"1\n"  # the boxes show the artifact, renamed after they bound it
    assert not _our_box_processes()
