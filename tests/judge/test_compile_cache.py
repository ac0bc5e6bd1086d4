"""The compile cache has caps and belongs to the judge (security issue 10/6), real compiles."""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge
from judgebox.problems.package import Problem, inline_problem
from judgebox.sandbox import Sandbox
from judgebox.settings import Settings
from judgebox.vocabulary.events import CompileEvent, CompleteEvent
from judgebox.vocabulary.verdicts import Verdict

from .conftest import collect

pytestmark = pytest.mark.anyio
MIB = 1024 * 1024


def _program(data_bytes: int, tag: str) -> str:
    """A C program whose binary holds `data_bytes` of initialised data."""
    return (
        f"#include <stdio.h>\nchar big[{data_bytes}] = {{1}};\n"
        f'int main(void) {{ puts(big[0] ? "ok" : "no"); return 0; }} /* {tag} */\n'
    )


def _judge(settings: Settings, sandbox: Sandbox, root: Path, **changes: object) -> Judge:
    return Judge(settings.replace(cache_dir=root / "cache", **changes), sandbox)


@pytest.fixture
def problem(tmp_path: Path) -> Problem:
    return inline_problem([{"input": "", "answer": "ok\n"}], tmp_path)


@pytest.fixture
def root(shared_tmp: Path, request: pytest.FixtureRequest) -> Path:
    path = shared_tmp / "cache-tests" / f"{request.node.name}-{time.time_ns()}"
    path.mkdir(parents=True)
    return path


async def _compile(judge: Judge, problem: Problem, code: str) -> CompileEvent:
    events = await collect(judge, problem, "c", code)
    compiled = events[1]
    assert isinstance(compiled, CompileEvent)
    return compiled


async def test_an_artifact_over_the_cap_is_a_compile_error(
    settings: Settings, sandbox: Sandbox, root: Path, problem: Problem
) -> None:
    judge = _judge(settings, sandbox, root, artifact_size_limit=1 * MIB)
    events = await collect(judge, problem, "c", _program(2 * MIB, "big"))
    compiled, complete = events[1], events[-1]
    assert isinstance(compiled, CompileEvent) and not compiled.result.ok
    # A static binary: the 2 MiB of data plus the C library.
    found = re.search(
        r"compiled program is ([\d.]+) MiB, the limit is 1 MiB", compiled.result.output
    )
    assert found and float(found.group(1)) >= 2, compiled.result.output
    assert isinstance(complete, CompleteEvent) and complete.summary.verdict is Verdict.CE
    assert not [p for p in (root / "cache").rglob("*") if p.is_file()]  # nothing was kept
    small = await _compile(judge, problem, _program(1024, "small"))
    assert small.result.ok


async def test_past_the_total_cap_the_least_recently_used_entry_is_evicted(
    settings: Settings, sandbox: Sandbox, root: Path, problem: Problem
) -> None:
    first, second, third = (_program(MIB, tag) for tag in ("first", "second", "third"))
    measuring = _judge(settings, sandbox, root)
    assert (await _compile(measuring, problem, first)).result.ok
    (marker,) = (root / "cache" / "artifacts" / "c").glob("*.ok")
    size = int(marker.read_text())  # the entry's recorded size: about 1.7 MiB (static libc)
    assert size > MIB
    # Room for two entries, not three.
    judge = _judge(
        settings, sandbox, root, compile_cache_limit=int(2.5 * size), compile_cache_grace=0.0
    )
    assert (await _compile(judge, problem, second)).result.ok
    assert (await _compile(judge, problem, first)).result.cached  # first is now the newer
    assert (await _compile(judge, problem, third)).result.ok  # over the cap: evicts second
    entries = list((root / "cache" / "artifacts" / "c").glob("*.ok"))
    assert len(entries) == 2
    assert (await _compile(judge, problem, first)).result.cached
    assert (await _compile(judge, problem, third)).result.cached
    assert not (await _compile(judge, problem, second)).result.cached


async def test_cached_artifacts_belong_to_the_judge(
    settings: Settings, sandbox: Sandbox, root: Path, problem: Problem
) -> None:
    judge = _judge(settings, sandbox, root)
    # The build leaves extra files and a directory behind, as a hostile compile could.
    code = _program(1024, "owned")
    assert (await _compile(judge, problem, code)).result.ok
    (entry,) = [p for p in (root / "cache" / "artifacts" / "c").iterdir() if p.is_dir()]
    paths = [entry, *entry.rglob("*")]
    assert len(paths) >= 3  # the directory, the source and the binary
    for path in paths:
        info = path.lstat()
        assert (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid()), path
        assert not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH | stat.S_ISUID | stat.S_ISGID)
    events = await collect(judge, problem, "c", code)
    assert isinstance(events[-1], CompleteEvent) and events[-1].summary.verdict is Verdict.AC
