"""The run registry and the local executor on their own, driven by a scripted event source.

The event source stands in for `Judge.run` (the executor's seam); the server tests
run the real judge. Here: queue bounds, cancel reasons, the cap, a judge that
raises, replay and live fan-out, and the SQLite store across "restarts".
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from judgebox.judging.judge import Submission
from judgebox.problems.package import inline_problem
from judgebox.runs import CancelReason, LocalExecutor, RunStore
from judgebox.settings import Settings
from judgebox.vocabulary.errors import QueueFullError, ShuttingDownError, UnknownRunError
from judgebox.vocabulary.events import (
    CaseResultEvent,
    CompileEvent,
    CompleteEvent,
    Event,
    StartEvent,
)
from judgebox.vocabulary.verdicts import CaseResult, CompileResult, RunStatus, Verdict, summarize


class Recorder:
    """A RunObserver that keeps what it was told."""

    def __init__(self) -> None:
        self.started = 0
        self.finished: list[RunStatus] = []
        self.cancelled: list[tuple[CancelReason, float]] = []
        self.cases: list[Verdict] = []

    def run_started(self) -> None:
        self.started += 1

    def run_finished(self, status: RunStatus) -> None:
        self.finished.append(status)

    def run_cancelled(self, reason: CancelReason, seconds_to_dead: float) -> None:
        self.cancelled.append((reason, seconds_to_dead))

    def case_judged(self, verdict: Verdict) -> None:
        self.cases.append(verdict)


class ScriptedJudge:
    """Emits start, compile, then one AC case every `case_seconds`; `fail_at` raises there."""

    def __init__(self, case_seconds: float = 0.0, fail_at: int | None = None,
                 omit_complete: bool = False) -> None:  # fmt: skip
        self.case_seconds = case_seconds
        self.fail_at = fail_at
        self.omit_complete = omit_complete
        self.closed: list[str] = []  # run ids whose generator ran its finally

    async def run(self, submission: Submission) -> AsyncIterator[Event]:
        total = len(submission.problem.cases)
        results: list[CaseResult] = []
        try:
            yield StartEvent(submission.run_id, submission.problem.name, submission.language, total)
            yield CompileEvent(CompileResult(ok=True, time_ms=0, output=""))
            for case in submission.problem.cases:
                await asyncio.sleep(self.case_seconds)
                if case.index == self.fail_at:
                    raise RuntimeError("scripted judge failure")
                results.append(CaseResult(case.index, case.name, Verdict.AC))
                yield CaseResultEvent(results[-1])
            if not self.omit_complete:
                yield CompleteEvent(summarize(total, results, RunStatus.FINISHED))
        finally:
            self.closed.append(submission.run_id)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "runs.sqlite3", work_root=tmp_path / "work",
                    max_active_runs=1, max_queued_runs=1, run_time_cap=30)  # fmt: skip


def submission(tmp_path: Path, run_id: str, cases: int = 3) -> Submission:
    """A Python submission against `cases` inline cases."""
    problem = inline_problem([{"input": "1\n", "answer": "1\n"}] * cases, tmp_path / run_id)
    return Submission(problem, "python3", "print(1)", run_id=run_id)


async def events_of(executor: LocalExecutor, run_id: str, after: int = 0) -> list[Event]:
    return [item.event async for item in executor.follow(run_id, after)]


def test_a_run_to_its_end_and_its_replay(settings: Settings, tmp_path: Path) -> None:
    async def scenario() -> None:
        recorder = Recorder()
        executor = LocalExecutor(settings, ScriptedJudge().run, recorder)
        await executor.start()
        await executor.submit(submission(tmp_path, "r1"))
        events = await events_of(executor, "r1")
        assert [e.name for e in events] == ["start", "compile", *["case-result"] * 3, "complete"]
        assert [e.name for e in await events_of(executor, "r1", after=4)] == [
            "case-result",
            "complete",
        ]
        run = await executor.get("r1")
        assert run.state == "finished" and run.done
        assert recorder.started == 1 and recorder.finished == [RunStatus.FINISHED]
        assert recorder.cases == [Verdict.AC] * 3 and recorder.cancelled == []
        await executor.close(timeout=1)

    asyncio.run(scenario())


def test_queue_bounds_and_cancel_while_queued(settings: Settings, tmp_path: Path) -> None:
    async def scenario() -> None:
        recorder = Recorder()
        judge = ScriptedJudge(case_seconds=10)
        executor = LocalExecutor(settings, judge.run, recorder)
        await executor.start()
        await executor.submit(submission(tmp_path, "running"))
        await executor.submit(submission(tmp_path, "queued"))
        assert executor.queue_length() == 1
        with pytest.raises(QueueFullError) as full:
            await executor.submit(submission(tmp_path, "refused"))
        assert full.value.retry_after >= 1
        with pytest.raises(UnknownRunError):
            executor.cancel("refused", CancelReason.DELETE)
        executor.cancel("queued", CancelReason.DELETE)
        events = await events_of(executor, "queued")
        assert [e.name for e in events] == ["start", "complete"]  # never ran: a start is made up
        assert isinstance(events[0], StartEvent) and events[0].total_cases == 3
        assert isinstance(events[-1], CompleteEvent)
        assert events[-1].summary.status is RunStatus.CANCELLED
        assert "queued" not in judge.closed and recorder.started == 1
        executor.cancel("running", CancelReason.CLIENT)
        last = (await events_of(executor, "running"))[-1]
        assert isinstance(last, CompleteEvent) and last.summary.status is RunStatus.CANCELLED
        assert judge.closed == ["running"]  # the judge's finally ran (its sandbox is killed there)
        assert [r for r, _ in recorder.cancelled] == [CancelReason.DELETE, CancelReason.CLIENT]
        assert all(0 <= seconds < 1 for _, seconds in recorder.cancelled)
        await executor.close(timeout=1)

    asyncio.run(scenario())


def test_time_cap_judge_failure_and_missing_complete(settings: Settings, tmp_path: Path) -> None:
    async def scenario() -> None:
        capped = LocalExecutor(settings.replace(run_time_cap=0.2), ScriptedJudge(5).run)
        await capped.start()
        await capped.submit(submission(tmp_path, "slow"))
        last = (await events_of(capped, "slow"))[-1]
        assert isinstance(last, CompleteEvent) and last.summary.status is RunStatus.TIMED_OUT
        await capped.close(timeout=1)
        for judge, run_id in ((ScriptedJudge(fail_at=2), "raises"),
                              (ScriptedJudge(omit_complete=True), "silent")):  # fmt: skip
            executor = LocalExecutor(settings, judge.run)
            await executor.start()
            await executor.submit(submission(tmp_path, run_id))
            events = await events_of(executor, run_id)
            assert isinstance(events[-1], CompleteEvent)
            assert events[-1].summary.status is RunStatus.INTERNAL_ERROR
            await executor.close(timeout=1)

    asyncio.run(scenario())


def test_live_followers_all_see_every_event(settings: Settings, tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = LocalExecutor(settings, ScriptedJudge(case_seconds=0.01).run)
        await executor.start()
        await executor.submit(submission(tmp_path, "fan", cases=5))
        seen = await asyncio.gather(*(events_of(executor, "fan") for _ in range(4)))
        assert all([e.name for e in s] == [e.name for e in seen[0]] for s in seen)
        assert len(seen[0]) == 8
        await executor.close(timeout=1)

    asyncio.run(scenario())


def test_shutdown_cancels_and_refuses(settings: Settings, tmp_path: Path) -> None:
    async def scenario() -> None:
        recorder = Recorder()
        executor = LocalExecutor(settings, ScriptedJudge(case_seconds=10).run, recorder)
        await executor.start()
        await executor.submit(submission(tmp_path, "a"))
        await asyncio.sleep(0.01)
        executor.begin_shutdown()
        with pytest.raises(ShuttingDownError):
            await executor.submit(submission(tmp_path, "b"))
        last = (await events_of(executor, "a"))[-1]
        assert isinstance(last, CompleteEvent) and last.summary.status is RunStatus.CANCELLED
        assert [r for r, _ in recorder.cancelled] == [CancelReason.SHUTDOWN]
        await executor.close(timeout=1)

    asyncio.run(scenario())


def test_store_recovery_and_retention(settings: Settings, tmp_path: Path) -> None:
    crashed = tmp_path / "crashed.sqlite3"  # the database as a crash mid-run leaves it

    async def server_that_crashes() -> None:
        executor = LocalExecutor(settings, ScriptedJudge(case_seconds=0.05).run)
        await executor.start()
        await executor.submit(submission(tmp_path, "done", cases=1))
        await events_of(executor, "done")
        await executor.submit(submission(tmp_path, "inflight", cases=3))
        await asyncio.sleep(0.12)
        with sqlite3.connect(crashed) as copy:
            executor.registry.store.db.backup(copy)
        await executor.close(timeout=1)

    asyncio.run(server_that_crashes())
    store = RunStore(crashed)
    assert store.recover_interrupted() == ["inflight"]
    inflight, done = store.load("inflight"), store.load("done")
    assert inflight is not None and done is not None
    assert inflight.state == "internal-error" and done.state == "finished"
    last = inflight.events[-1].event
    assert isinstance(last, CompleteEvent)
    assert last.summary.status is RunStatus.INTERNAL_ERROR and last.summary.passed == 2
    assert store.recover_interrupted() == []
    assert store.delete_finished_before(inflight.finished or 0) == 1  # "done" finished earlier
    assert store.load("done") is None and store.load("inflight") is not None
    store.close()


def test_retry_after_counts_judging_time_not_queue_time(settings: Settings, tmp_path: Path) -> None:
    """A 0.1 s run that queued 1 s behind a 1 s run adds 0.1 s to the estimate, not 1.1 s."""

    async def scenario() -> None:
        executor = LocalExecutor(settings, ScriptedJudge(0.1).run)
        await executor.start()
        executor.mean_seconds = 0.1
        await executor.submit(submission(tmp_path, "long", cases=10))  # about 1 s
        await executor.submit(submission(tmp_path, "short", cases=1))  # queued about 1 s
        await events_of(executor, "short")
        # 0.8 * (0.8 * 0.1 + 0.2 * 1.0) + 0.2 * 0.1 = 0.244 (queue time counted: 0.444)
        assert executor.mean_seconds < 0.34, executor.mean_seconds
        await executor.close(timeout=1)

    asyncio.run(scenario())
