"""Fixtures for judge tests: a real sandbox, the real language table, the bundled problems."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge, Submission
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import Problem
from judgebox.sandbox import Sandbox, SandboxConfig
from judgebox.settings import Settings, bundled_problems_dir
from judgebox.vocabulary.events import Event


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def shared_tmp() -> Iterator[Path]:
    """A directory the box uids can reach (pytest's own tmp dirs are 0700)."""
    path = Path(tempfile.mkdtemp(prefix="judgebox-judge-tests-", dir="/tmp"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def sandbox(shared_tmp: Path) -> Iterator[Sandbox]:
    box = Sandbox.open(SandboxConfig(work_root=shared_tmp / "work", uid_base=61200))
    yield box
    box.close()


@pytest.fixture(scope="session")
def settings(shared_tmp: Path) -> Settings:
    return Settings(cache_dir=shared_tmp / "cache", parallelism=2)


@pytest.fixture(scope="session")
def judge(settings: Settings, sandbox: Sandbox) -> Judge:
    return Judge(settings, sandbox)


@pytest.fixture(scope="session")
def library(settings: Settings) -> ProblemLibrary:
    return ProblemLibrary(bundled_problems_dir(), cache_dir=settings.cache_dir)


async def collect(
    judge: Judge, problem: Problem, language: str, code: str, **kw: object
) -> list[Event]:
    """Every event of one run."""
    sub = Submission(problem, language, code, **kw)  # type: ignore[arg-type]
    return [event async for event in judge.run(sub)]


async def aiter_events(judge: Judge, sub: Submission) -> AsyncIterator[Event]:
    async for event in judge.run(sub):
        yield event


def bundled(name: str) -> Path:
    return bundled_problems_dir() / name
