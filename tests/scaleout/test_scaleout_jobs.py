"""The job payload and the job timing: pure parts of the scale-out, no NATS needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from judgebox.judging.judge import Submission
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import inline_problem
from judgebox.runs.run import SequencedEvent
from judgebox.scaleout.eventlog import event_payload, parse_event
from judgebox.scaleout.jobs import Job, job_from_bytes, job_from_submission
from judgebox.scaleout.streams import JobTiming, job_timing
from judgebox.settings import settings_from_env
from judgebox.vocabulary.errors import ConfigError, ProblemPackageError, UsageError
from judgebox.vocabulary.events import CaseResultEvent
from judgebox.vocabulary.verdicts import CaseResult, Verdict


def test_inline_cases_travel_with_the_job_and_come_back_as_the_same_problem(
    tmp_path: Path,
) -> None:
    cases = [{"name": "one", "input": "1 2\n", "answer": "3\n"},
             {"name": "two", "input": "é\r\n", "answer": "x\n"}]  # fmt: skip
    problem = inline_problem(cases, tmp_path / "api")
    submission = Submission(problem, "python3", "print(3)\n", stop_on_first_failure=True)

    job = job_from_bytes(job_from_submission(submission, 12.5).to_bytes())

    assert (job.run_id, job.language, job.code) == (submission.run_id, "python3", "print(3)\n")
    assert job.stop_on_first_failure and job.total_cases == 2 and job.submitted == 12.5
    library = ProblemLibrary(tmp_path / "none", cache_dir=tmp_path / "cache")
    again = job.load_problem(library, tmp_path / "worker")
    assert [c.name for c in again.cases] == ["one", "two"]
    assert [c.input_path.read_bytes() for c in again.cases] == [b"1 2\n", "é\r\n".encode()]
    previous = (CaseResult(1, "one", Verdict.AC),)
    resumed = job.submission(again, previous)
    assert resumed.run_id == submission.run_id and resumed.previous_results == previous


def test_library_problems_travel_by_name_and_must_match_on_the_worker(tmp_path: Path) -> None:
    package = tmp_path / "lib" / "echo"
    (package / "data" / "secret").mkdir(parents=True)
    (package / "problem.yaml").write_text("name: Echo\n")
    for i in (1, 2):
        (package / "data" / "secret" / f"{i}.in").write_text(f"{i}\n")
        (package / "data" / "secret" / f"{i}.ans").write_text(f"{i}\n")
    library = ProblemLibrary(tmp_path / "lib", cache_dir=tmp_path / "cache")
    job = Job("r1", "python3", "print(1)", "echo", total_cases=2)

    assert job_from_bytes(job.to_bytes()).inline_cases is None
    assert len(job.load_problem(library, tmp_path / "unused").cases) == 2
    with pytest.raises(ProblemPackageError, match="same problem library"):
        Job("r1", "python3", "", "echo", total_cases=3).load_problem(library, tmp_path / "x")


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (b"\xff", "not JSON"),
        (b"[]", "format"),
        (b'{"v": 2}', "format 2"),
        (b'{"v": 1, "runId": "r", "language": "c", "code": "", "problem": "p"}', "totalCases"),
        (
            b'{"v": 1, "runId": "r", "language": "c", "code": "", "problem": "p", "totalCases": 1,'
            b' "cases": "x"}',
            "cases",
        ),
    ],
)
def test_a_malformed_job_is_refused_with_a_reason(payload: bytes, complaint: str) -> None:
    with pytest.raises(UsageError, match=complaint):
        job_from_bytes(payload)


def test_events_round_trip_through_their_message_payload() -> None:
    result = CaseResult(3, "secret/1", Verdict.WA, 10, 20, 3000, 0, None, "expected 1, got 2")
    item = SequencedEvent(5, CaseResultEvent(result))
    assert parse_event(event_payload(item)) == item


def test_the_ack_wait_comes_from_the_settings_within_bounds() -> None:
    assert job_timing(settings_from_env({})) == JobTiming(ack_wait=10.0, max_deliver=4)
    timing = job_timing(settings_from_env({"JUDGEBOX_NATS_ACK_WAIT": "2"}))
    assert (timing.ack_wait, timing.heartbeat, timing.judging_attempts) == (2.0, 0.5, 3)
    for bad in ("0", "soon", "-3"):
        with pytest.raises(ConfigError, match="JUDGEBOX_NATS_ACK_WAIT"):
            settings_from_env({"JUDGEBOX_NATS_ACK_WAIT": bad})
