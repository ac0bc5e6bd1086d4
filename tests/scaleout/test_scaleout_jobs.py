"""The job payload and the job timing: pure parts of the scale-out, no NATS needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from judgebox.judging.judge import Submission
from judgebox.problems.custom import custom_problem
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import inline_problem
from judgebox.runs.run import SequencedEvent
from judgebox.scaleout.eventlog import event_payload, parse_event
from judgebox.scaleout.jobs import Job, job_from_bytes, job_from_submission
from judgebox.scaleout.streams import JobTiming, job_timing
from judgebox.server.run_options import apply_options
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


def test_custom_input_limits_and_flags_travel_and_are_applied_on_the_worker(
    tmp_path: Path,
) -> None:
    package = tmp_path / "lib" / "echo"
    (package / "data" / "secret").mkdir(parents=True)
    (package / "problem.yaml").write_text("name: Echo\nlimits:\n  memory: 512\n")
    (package / "data" / "secret" / "1.in").write_text("1\n")
    (package / "data" / "secret" / "1.ans").write_text("1\n")
    library = ProblemLibrary(tmp_path / "lib", cache_dir=tmp_path / "cache")
    base = library.get("echo")
    custom = custom_problem(base, [{"name": "mine", "input": "7\r\n"}], tmp_path / "api")
    lowered = apply_options(custom, limits={"memory": "64m", "time": 0.5}, validator_flags=None,
                            inline=False, settings=settings_from_env({}))  # fmt: skip
    submission = Submission(lowered, "python3", "print(1)")

    job = job_from_bytes(job_from_submission(submission, 1.0).to_bytes())

    assert job.custom and job.inline_cases == ({"name": "mine", "input": "7\r\n"},)
    again = job.load_problem(library, tmp_path / "worker")
    assert again.custom_package == base.path and [c.custom for c in again.cases] == [True]
    assert again.cases[0].input_path.read_bytes() == b"7\r\n"
    assert (again.time_limit, again.memory_limit) == (0.5, 64 * 1024 * 1024)
    assert again.output_limit == lowered.output_limit

    inline = inline_problem([{"input": "1\n", "answer": "1.0\n"}, {"input": "2\n"}],
                            tmp_path / "inline")  # fmt: skip
    flagged = apply_options(inline, limits=None, validator_flags="float_tolerance 1e-6",
                            inline=True, settings=settings_from_env({}))  # fmt: skip
    job = job_from_bytes(job_from_submission(Submission(flagged, "python3", ""), 1.0).to_bytes())
    assert not job.custom and job.inline_cases is not None and "answer" not in job.inline_cases[1]
    again = job.load_problem(library, tmp_path / "worker2")
    assert again.checker_flags == flagged.checker_flags and again.validator_flags == (
        "float_tolerance",
        "1e-6",
    )
    assert [c.custom for c in again.cases] == [False, True]


def test_a_head_carries_nothing_bulky_and_is_not_judged_as_it_is() -> None:
    job = Job("r1", "answer", "42\n", "p", total_cases=1, files=(("1.out", "x" * 10),),
              inline_cases=({"input": "1"},))  # fmt: skip
    head = job_from_bytes(job.head(3).to_bytes())
    assert (head.parts, head.code, head.files, head.inline_cases) == (3, "", (), None)
    assert (head.run_id, head.language, head.problem, head.total_cases) == ("r1", "answer", "p", 1)
    with pytest.raises(UsageError, match="head"):
        head.load_problem(
            ProblemLibrary(Path("/nonexistent"), cache_dir=Path("/nonexistent")),
            Path("/nonexistent"),
        )


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (b"\xff", "not JSON"),
        (b"[]", "format"),
        (b'{"v": 3}', "format 3"),
        (
            b'{"v": 2, "runId": "r", "language": "c", "code": "", "problem": "p", "totalCases": 1,'
            b' "limits": {"time": "1s"}}',
            "limits",
        ),
        (
            b'{"v": 2, "runId": "r", "language": "c", "code": "", "problem": "p", "totalCases": 1,'
            b' "validatorFlags": "case_sensitive"}',
            "validatorFlags",
        ),
        (
            b'{"v": 2, "runId": "r", "language": "c", "code": "", "problem": "p", "totalCases": 1,'
            b' "parts": -1}',
            "parts",
        ),
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
