"""Fixtures for judge tests: a real sandbox, the real language table, the bundled problems."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sandbox_fixtures import sandbox_fixtures

from judgebox.judging.judge import Judge, Submission
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import Problem
from judgebox.sandbox import Sandbox
from judgebox.settings import Settings, bundled_problems_dir
from judgebox.vocabulary.events import Event


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


shared_tmp, sandbox = sandbox_fixtures("judgebox-judge-tests-", uid_base=61200)


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
