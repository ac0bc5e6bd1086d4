"""The vocabulary: overall verdicts, summaries, the wire encoding of events, limits, settings."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from judgebox.settings import settings_from_env
from judgebox.vocabulary.errors import ConfigError
from judgebox.vocabulary.events import (
    CaseResultEvent,
    CompileEvent,
    CompleteEvent,
    Event,
    GroupResultEvent,
    StartEvent,
    event_from_wire,
    run_document,
)
from judgebox.vocabulary.limits import Limits, parse_duration, parse_size
from judgebox.vocabulary.verdicts import (
    CaseResult,
    CompileResult,
    Difference,
    GroupResult,
    RunStatus,
    Summary,
    Verdict,
    overall_verdict,
    summarize,
)


def _case(index: int, verdict: Verdict) -> CaseResult:
    return CaseResult(index=index, name=f"c{index}", verdict=verdict)


def test_overall_verdict_is_the_first_non_ac_in_order() -> None:
    assert overall_verdict([Verdict.AC, Verdict.TLE, Verdict.WA]) is Verdict.TLE
    assert overall_verdict([Verdict.AC, Verdict.AC]) is Verdict.AC
    assert overall_verdict([], compile_ok=False) is Verdict.CE


def test_summary_of_a_finished_run() -> None:
    s = summarize(
        3,
        [_case(1, Verdict.AC), _case(2, Verdict.WA), _case(3, Verdict.SKIPPED)],
        RunStatus.FINISHED,
    )
    assert (s.verdict, s.passed, s.failed, s.skipped, s.completed) == (Verdict.WA, 1, 1, 1, False)
    full = summarize(2, [_case(1, Verdict.AC), _case(2, Verdict.AC)], RunStatus.FINISHED)
    assert full.completed and full.verdict is Verdict.AC


def test_ran_cases_are_neither_passed_nor_failed() -> None:
    ran = summarize(2, [_case(1, Verdict.RAN), _case(2, Verdict.AC)], RunStatus.FINISHED)
    assert (ran.verdict, ran.passed, ran.failed, ran.unjudged) == (Verdict.RAN, 1, 0, 1)
    assert ran.completed
    failed = summarize(2, [_case(1, Verdict.RAN), _case(2, Verdict.WA)], RunStatus.FINISHED)
    assert (failed.verdict, failed.failed, failed.unjudged) == (Verdict.WA, 1, 1)
    cancelled = summarize(2, [_case(1, Verdict.RAN)], RunStatus.CANCELLED)
    assert cancelled.verdict is Verdict.SKIPPED and not cancelled.completed


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (RunStatus.CANCELLED, Verdict.SKIPPED),
        (RunStatus.TIMED_OUT, Verdict.TLE),
        (RunStatus.INTERNAL_ERROR, Verdict.IE),
    ],
)
def test_a_run_that_stopped_early_is_never_ac(status: RunStatus, verdict: Verdict) -> None:
    s = summarize(5, [_case(1, Verdict.AC)], status)
    assert s.verdict is verdict and not s.completed
    failed = summarize(5, [_case(1, Verdict.WA)], status)
    assert failed.verdict is Verdict.WA


def test_events_round_trip_through_the_wire() -> None:
    events: list[Event] = [
        StartEvent("r1", "aplusb", "cpp", 2),
        CompileEvent(CompileResult(ok=True, time_ms=12, output="")),
        CaseResultEvent(
            CaseResult(1, "sample/1", Verdict.AC, 3, 4, 512, 0, None, "", "1 2", "3", "3")
        ),
        CaseResultEvent(CaseResult(2, "secret/1", Verdict.RTE, 1, 2, 256, None, "SIGSEGV", "x")),
        CompleteEvent(summarize(2, [], RunStatus.FINISHED)),
    ]
    for event in events:
        assert event_from_wire(event.name, event.to_wire()) == event
    wire = events[2].to_wire()
    assert set(wire) >= {
        "index",
        "name",
        "verdict",
        "timeMs",
        "wallTimeMs",
        "memoryKb",
        "exitCode",
        "signal",
        "feedback",
        "input",
        "answer",
        "output",
    }
    assert "input" not in events[3].to_wire()


def test_every_field_of_every_result_travels_over_the_wire() -> None:
    """A field set to a non-default value comes back as it was: none is left off the wire."""
    full_case = CaseResult(
        index=4, name="custom/1", verdict=Verdict.WA, time_ms=1, wall_time_ms=2, memory_kb=3,
        exit_code=0, signal="SIGKILL", feedback="f", input="i", answer="a", output="o",
        score=0.5, difference=Difference("extra token", 1, 2, 3), stderr="e",
        output_truncated=True, reference="ref.py", input_rejected="why",
    )  # fmt: skip
    full_summary = Summary(3, False, Verdict.RAN, 1, 1, 1, RunStatus.CANCELLED, 5.0, 10.0, 2)
    events: list[Event] = [
        CompileEvent(CompileResult(ok=False, time_ms=7, output="err", cached=True)),
        CaseResultEvent(full_case),
        GroupResultEvent(GroupResult("secret/g", Verdict.AC, 1.5, 2.0)),
        CompleteEvent(full_summary),
    ]
    for result in (full_case, full_summary):
        defaults = {f.name for f in fields(result) if getattr(result, f.name) == f.default}
        assert defaults == set(), defaults  # the test really sets every field
    for event in events:
        assert event_from_wire(event.name, json.loads(json.dumps(event.to_wire()))) == event


def test_run_document_has_the_api_shape() -> None:
    doc = run_document(
        [
            StartEvent("r1", "aplusb", "cpp", 1),
            CompileEvent(CompileResult(ok=True, time_ms=1, output="")),
            CaseResultEvent(CaseResult(1, "1", Verdict.AC)),
            CompleteEvent(summarize(1, [CaseResult(1, "1", Verdict.AC)], RunStatus.FINISHED)),
        ]
    )
    assert doc["runId"] == "r1" and doc["totalCases"] == 1 and len(doc["cases"]) == 1
    assert doc["summary"] == {
        "verdict": "AC",
        "passed": 1,
        "failed": 0,
        "skipped": 0,
        "completed": True,
        "status": "finished",
    }


def test_sizes_and_durations() -> None:
    assert parse_size("256m") == parse_size("256MiB") == 256 << 20
    assert parse_size("1g") == 1 << 30 and parse_size(100) == 100
    assert (
        parse_duration("500ms") == 0.5 and parse_duration("2s") == 2 and parse_duration("5m") == 300
    )
    with pytest.raises(ValueError, match="256m"):
        parse_size("lots")
    assert Limits(cpu_time=1).effective_wall_time == 3.0
    assert Limits(cpu_time=1, wall_time=1.5).effective_wall_time == 1.5


def test_settings_from_the_environment() -> None:
    s = settings_from_env(
        {
            "JUDGEBOX_PORT": "1200",
            "JUDGEBOX_RUN_TIME_CAP": "2s",
            "JUDGEBOX_CORS_ORIGINS": "http://a, http://b",
        },
        host="0.0.0.0",
    )
    assert (s.port, s.run_time_cap, s.host) == (1200, 2.0, "0.0.0.0")
    assert s.cors_origins == ("http://a", "http://b")
    with pytest.raises(ConfigError, match="JUDGEBOX_PORT"):
        settings_from_env({"JUDGEBOX_PORT": "many"})
