"""judging/compilation.py: compile once in a real box, under capped limits, into the cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from judgebox.judging.compilation import artifact_key, capped_compile_limits, compile_source
from judgebox.judging.judge import Judge
from judgebox.languages.table import Language, load_languages
from judgebox.problems.package import inline_problem
from judgebox.sandbox import Sandbox
from judgebox.settings import Settings
from judgebox.vocabulary.events import CompileEvent
from judgebox.vocabulary.limits import Limits

from .conftest import collect

pytestmark = pytest.mark.anyio
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def c() -> Language:
    return load_languages()["c"]


@pytest.fixture
def root(shared_tmp: Path, request: pytest.FixtureRequest) -> Path:
    path = shared_tmp / "compilation-tests" / f"{request.node.name}-{time.time_ns()}"
    path.mkdir(parents=True)
    path.chmod(0o711)
    return path


def test_compile_limits_are_the_languages_lowered_to_the_caps(c: Language) -> None:
    own = c.compile_limits
    assert capped_compile_limits(c) == own
    assert capped_compile_limits(c, own.cpu_time * 10, own.memory * 10) == own  # caps only lower
    capped = capped_compile_limits(c, 1.5, 64 * MIB)
    assert (capped.cpu_time, capped.wall_time, capped.memory) == (1.5, 1.5, 64 * MIB)
    assert capped.processes == own.processes


async def test_the_compile_time_setting_caps_the_compiler(
    settings: Settings, sandbox: Sandbox, root: Path
) -> None:
    # No C compiler finishes in 10 ms of CPU: the setting, not languages.toml (30 s), applies.
    judge = Judge(settings.replace(cache_dir=root / "cache", compile_time_limit=0.01), sandbox)
    problem = inline_problem([{"input": "", "answer": "ok\n"}], root / "p")
    code = f'#include <stdio.h>\nint main(void) {{ puts("ok"); }} /* {time.time_ns()} */\n'
    events = await collect(judge, problem, "c", code)
    compiled = events[1]
    assert isinstance(compiled, CompileEvent)
    assert not compiled.result.ok
    assert "compilation took too long (limit 0.01 s)" in compiled.result.output


async def test_a_build_is_cached_and_a_compile_error_is_not(
    sandbox: Sandbox, root: Path, c: Language
) -> None:
    version = "test"
    good = b'#include <stdio.h>\nint main(void) { puts("ok"); return 0; }\n'
    first = await compile_source(
        sandbox, c, version, good, "main.c", limits=Limits(), workspace=root, cache_dir=root / "c"
    )
    assert first.result.ok and not first.result.cached
    assert (first.directory / "main.c").is_file()
    again = await compile_source(
        sandbox, c, version, good, "main.c", limits=Limits(), workspace=root, cache_dir=root / "c"
    )
    assert again.result.cached and again.directory == first.directory
    bad = b"int main(void) { return missing; }\n"
    broken = await compile_source(
        sandbox, c, version, bad, "main.c", limits=Limits(), workspace=root, cache_dir=root / "c"
    )
    assert not broken.result.ok and "missing" in broken.result.output
    key = artifact_key(c, version, "main.c", bad, {})
    assert not (root / "c" / "artifacts" / "c" / key).exists()  # a CE is compiled afresh


def test_the_cache_key_changes_with_everything_that_changes_the_build(c: Language) -> None:
    base = artifact_key(c, "12", "main.c", b"x", {})
    assert base == artifact_key(c, "12", "main.c", b"x", {})
    assert base != artifact_key(c, "13", "main.c", b"x", {})
    assert base != artifact_key(c, "12", "other.c", b"x", {})
    assert base != artifact_key(c, "12", "main.c", b"y", {})
    assert base != artifact_key(c, "12", "main.c", b"x", {"h.h": b""})


def test_twin_builds_stored_at_once_all_get_the_cached_entry(root: Path) -> None:
    """Runs of one source compiled at once (each cancelled before the cache had it, as in
    the cancel soak) store their builds together: one wins, the others use its entry."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from judgebox.judging.compilation import _store
    from judgebox.vocabulary.verdicts import CompileResult

    twins = 8
    done = CompileResult(ok=True, time_ms=1, output="")
    for round_ in range(40):
        target = root / "cache" / "artifacts" / "c" / f"key{round_}"
        builds = []
        for i in range(twins):
            build = root / f"run{round_}-{i}" / "build"
            build.mkdir(parents=True)
            (build / "main").write_bytes(b"\x7fELF program")
            builds.append(build)
        barrier = Barrier(twins)

        def store(build: Path, target: Path = target, barrier: Barrier = barrier) -> Path:
            barrier.wait()
            return _store(build, target, "main.c", done, 12, None).directory

        with ThreadPoolExecutor(twins) as pool:
            stored = list(pool.map(store, builds))
        assert stored == [target] * twins
        assert (target / "main").read_bytes() == b"\x7fELF program"
        assert (target.parent / f"key{round_}.ok").read_text() == "12"
        assert not any(build.exists() for build in builds)  # the losers' builds are gone
    leftovers = [p.name for p in (root / "cache" / "artifacts" / "c").iterdir()]
    assert sorted(leftovers) == sorted([f"key{r}" for r in range(40)]
                                       + [f"key{r}.ok" for r in range(40)])  # fmt: skip
