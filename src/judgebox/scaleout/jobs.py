"""A job: what a worker needs to judge one run, as the JSON payload of a JOBS message.

    {"v": 1, "runId": "…", "language": "python3", "code": "…",
     "stopOnFirstFailure": false, "totalCases": 4, "submitted": 1718000000.0,
     "problem": "aplusb"}                        a problem of the worker's library
     or "problem": "inline", "cases": [{"name", "input", "answer"}, …]

Library problems travel by name: every worker serves the same library as the
API nodes (JUDGEBOX_PROBLEMS_DIR). Inline cases travel with the job, since the
API node's copy of them is removed once the run ends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgebox.judging.judge import Submission
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import Problem, inline_problem
from judgebox.vocabulary.errors import ProblemPackageError, UsageError
from judgebox.vocabulary.verdicts import CaseResult

JOB_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Job:
    """One run to judge, as the API node submitted it."""

    run_id: str
    language: str
    code: str
    problem: str
    total_cases: int
    stop_on_first_failure: bool = False
    inline_cases: tuple[dict[str, str], ...] | None = None
    submitted: float = 0.0
    files: tuple[tuple[str, str], ...] = ()  # a multi-file submission (name, text)

    def to_bytes(self) -> bytes:
        """The JOBS message payload."""
        wire: dict[str, Any] = {
            "v": JOB_FORMAT, "runId": self.run_id, "language": self.language,
            "code": self.code, "stopOnFirstFailure": self.stop_on_first_failure,
            "totalCases": self.total_cases, "submitted": self.submitted,
            "problem": self.problem,
        }  # fmt: skip
        if self.inline_cases is not None:
            wire["cases"] = list(self.inline_cases)
        if self.files:
            wire["files"] = dict(self.files)
        return json.dumps(wire, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def load_problem(self, library: ProblemLibrary, inline_dir: Path) -> Problem:
        """The problem to judge: from the library, or the inline cases written to `inline_dir`."""
        if self.inline_cases is not None:
            problem = inline_problem(list(self.inline_cases), inline_dir)
        else:
            problem = library.get(self.problem)
        if len(problem.cases) != self.total_cases:
            raise ProblemPackageError(
                f"problem {self.problem} has {len(problem.cases)} cases on this worker but "
                f"{self.total_cases} on the API node: give workers and API nodes the same "
                "problem library (JUDGEBOX_PROBLEMS_DIR)"
            )
        return problem

    def submission(self, problem: Problem, previous: tuple[CaseResult, ...]) -> Submission:
        """The judge's input; `previous` are the case results a dead worker already published."""
        return Submission(
            problem, self.language, self.code, self.stop_on_first_failure,
            run_id=self.run_id, previous_results=previous, files=self.files,
        )  # fmt: skip


def job_from_submission(submission: Submission, submitted: float) -> Job:
    """The job of a submission (inline cases are read from the API node's files now)."""
    problem = submission.problem
    inline: tuple[dict[str, str], ...] | None = None
    if problem.format_version == "inline":
        inline = tuple(
            {
                "name": case.name,
                # bytes decoded as they are: read_text() would turn \r\n into \n
                "input": case.input_path.read_bytes().decode("utf-8"),
                "answer": case.answer_path.read_bytes().decode("utf-8"),
            }
            for case in problem.cases
        )
    return Job(
        run_id=submission.run_id, language=submission.language, code=submission.code,
        problem=problem.name, total_cases=len(problem.cases),
        stop_on_first_failure=submission.stop_on_first_failure, inline_cases=inline,
        submitted=submitted, files=submission.files,
    )  # fmt: skip


def job_from_bytes(payload: bytes) -> Job:
    """Parse a JOBS message; UsageError saying what is wrong with it."""
    try:
        wire = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"a job is not JSON ({exc}); only API nodes should publish jobs") from exc
    if not isinstance(wire, dict) or wire.get("v") != JOB_FORMAT:
        raise UsageError(
            f"a job has format {wire.get('v') if isinstance(wire, dict) else None!r}, this "
            f"worker reads format {JOB_FORMAT}: run the same judgebox version everywhere"
        )
    fields = {"runId": str, "language": str, "code": str, "problem": str, "totalCases": int}
    for key, kind in fields.items():
        if not isinstance(wire.get(key), kind):
            raise UsageError(f"a job has no valid {key!r}; only API nodes should publish jobs")
    cases = wire.get("cases")
    if cases is not None and not isinstance(cases, list):
        raise UsageError("a job's 'cases' must be a list of {name, input, answer}")
    files = wire.get("files", {})
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        raise UsageError("a job's 'files' must map file names to text")
    return Job(
        run_id=wire["runId"], language=wire["language"], code=wire["code"],
        problem=wire["problem"], total_cases=wire["totalCases"],
        stop_on_first_failure=bool(wire.get("stopOnFirstFailure", False)),
        inline_cases=tuple(cases) if cases is not None else None,
        submitted=float(wire.get("submitted", 0.0)), files=tuple(sorted(files.items())),
    )  # fmt: skip
