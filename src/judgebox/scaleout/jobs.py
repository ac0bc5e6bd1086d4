"""A job: what a worker needs to judge one run, as the JSON payload of a JOBS message.

    {"v": 2, "runId": "…", "language": "python3", "code": "…", "files": {name: text}?,
     "stopOnFirstFailure": false, "totalCases": 4, "submitted": 1718000000.0,
     "limits": {"time": 2.0, "memory": 268435456, "output": 8388608},
     "problem": "aplusb"}                        a problem of the worker's library
     or "problem": "inline", "cases": [{"name", "input", "answer"?}, …],
        "validatorFlags": ["float_tolerance", "1e-6"]?
     or "problem": "aplusb", "custom": true, "cases": [{"name", "input"}, …]
        custom input judged by the library problem's reference solution

Library problems travel by name: every worker serves the same library as the
API nodes (JUDGEBOX_PROBLEMS_DIR), so hidden data never travels. What the request
brought travels with the job: inline cases (the API node's copy of them is
removed once the run ends), custom inputs, answer files of a submit-answer run.
`limits` are the judged problem's limits after the request's own (run_options.py:
already checked against the caps by the API node that took the request); the
worker judges with exactly these. A `custom` job is rebuilt on the worker with
the same function as on a local server (problems/custom.py), whose reference
solution and input validators then come from the worker's library.

A job too large for one NATS message travels as a head (`"parts": n`, no code,
files or cases) on JOBS and its whole payload in n pieces in the runs bucket
(job_parts.py). Format 1 jobs (no limits, no custom) are still read.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgebox.judging.judge import Submission
from judgebox.problems.custom import custom_problem
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import Problem, inline_problem
from judgebox.vocabulary.checker_flags import parse_validator_flags
from judgebox.vocabulary.errors import ProblemPackageError, UsageError
from judgebox.vocabulary.verdicts import CaseResult

JOB_FORMAT = 2
_READABLE_FORMATS = (1, JOB_FORMAT)


@dataclass(frozen=True, slots=True)
class JobLimits:
    """The judged problem's limits, as the API node decided them (None: the judge's default)."""

    time: float | None
    memory: int | None
    output: int | None


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
    custom: bool = False  # inline_cases are custom input against the library's `problem`
    limits: JobLimits | None = None
    validator_flags: tuple[str, ...] | None = None  # inline cases' default checker flags
    parts: int = 0  # a head: the whole job is in the runs bucket, in this many pieces

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
        if self.custom:
            wire["custom"] = True
        if self.limits is not None:
            wire["limits"] = {"time": self.limits.time, "memory": self.limits.memory,
                              "output": self.limits.output}  # fmt: skip
        if self.validator_flags is not None:
            wire["validatorFlags"] = list(self.validator_flags)
        if self.parts:
            wire["parts"] = self.parts
        return json.dumps(wire, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def head(self, parts: int) -> Job:
        """This job without what is bulky (its whole payload is stored in `parts` pieces)."""
        return Job(
            run_id=self.run_id, language=self.language, code="", problem=self.problem,
            total_cases=self.total_cases, stop_on_first_failure=self.stop_on_first_failure,
            submitted=self.submitted, parts=parts,
        )  # fmt: skip

    def load_problem(self, library: ProblemLibrary, inline_dir: Path) -> Problem:
        """The problem to judge: from the library, the inline cases or the custom inputs
        (written to `inline_dir`), with the limits and checker flags the API node set."""
        if self.parts:
            raise UsageError(f"job {self.run_id} is a head: load its parts first")
        if self.custom and self.inline_cases is not None:
            problem = custom_problem(library.get(self.problem), list(self.inline_cases),
                                     inline_dir)  # fmt: skip
        elif self.inline_cases is not None:
            problem = inline_problem(list(self.inline_cases), inline_dir)
        else:
            problem = library.get(self.problem)
        if len(problem.cases) != self.total_cases:
            raise ProblemPackageError(
                f"problem {self.problem} has {len(problem.cases)} cases on this worker but "
                f"{self.total_cases} on the API node: give workers and API nodes the same "
                "problem library (JUDGEBOX_PROBLEMS_DIR)"
            )
        changes: dict[str, Any] = {}
        if self.limits is not None:
            changes.update(time_limit=self.limits.time, memory_limit=self.limits.memory,
                           output_limit=self.limits.output)  # fmt: skip
        if self.validator_flags is not None:
            try:
                flags = parse_validator_flags(list(self.validator_flags))
            except ProblemPackageError as error:
                raise UsageError(f"a job's validatorFlags: {error.message}") from None
            changes.update(validator_flags=self.validator_flags, checker_flags=flags)
        return dataclasses.replace(problem, **changes) if changes else problem

    def submission(self, problem: Problem, previous: tuple[CaseResult, ...]) -> Submission:
        """The judge's input; `previous` are the case results a dead worker already published."""
        return Submission(
            problem, self.language, self.code, self.stop_on_first_failure,
            run_id=self.run_id, previous_results=previous, files=self.files,
        )  # fmt: skip


def job_from_submission(submission: Submission, submitted: float) -> Job:
    """The job of a submission (inline cases and custom inputs are read from the API
    node's files now)."""
    problem = submission.problem
    cases: tuple[dict[str, str], ...] | None = None
    custom = problem.custom_package is not None
    inline = problem.format_version == "inline"
    if inline or custom:
        cases = tuple(_wire_case(case) for case in problem.cases)
    return Job(
        run_id=submission.run_id, language=submission.language, code=submission.code,
        problem=problem.name, total_cases=len(problem.cases),
        stop_on_first_failure=submission.stop_on_first_failure, inline_cases=cases,
        submitted=submitted, files=submission.files, custom=custom,
        limits=JobLimits(problem.time_limit, problem.memory_limit, problem.output_limit),
        validator_flags=problem.validator_flags if inline and problem.validator_flags else None,
    )  # fmt: skip


def _wire_case(case: Any) -> dict[str, str]:
    """{name, input, answer} of a case; no answer for a custom-input case."""
    # bytes decoded as they are: read_text() would turn \r\n into \n
    wire = {"name": case.name, "input": case.input_path.read_bytes().decode("utf-8")}
    if not case.custom:
        wire["answer"] = case.answer_path.read_bytes().decode("utf-8")
    return wire


def job_from_bytes(payload: bytes) -> Job:
    """Parse a JOBS message (or a job put together from its parts); UsageError saying what
    is wrong with it."""
    try:
        wire = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"a job is not JSON ({exc}); only API nodes should publish jobs") from exc
    if not isinstance(wire, dict) or wire.get("v") not in _READABLE_FORMATS:
        raise UsageError(
            f"a job has format {wire.get('v') if isinstance(wire, dict) else None!r}, this "
            f"worker reads formats {_READABLE_FORMATS}: run the same judgebox version everywhere"
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
    flags = wire.get("validatorFlags")
    if flags is not None and not (
        isinstance(flags, list) and all(isinstance(word, str) for word in flags)
    ):
        raise UsageError("a job's 'validatorFlags' must be a list of words")
    parts = wire.get("parts", 0)
    if not isinstance(parts, int) or parts < 0:
        raise UsageError("a job's 'parts' must be a count")
    return Job(
        run_id=wire["runId"], language=wire["language"], code=wire["code"],
        problem=wire["problem"], total_cases=wire["totalCases"],
        stop_on_first_failure=bool(wire.get("stopOnFirstFailure", False)),
        inline_cases=tuple(cases) if cases is not None else None,
        submitted=float(wire.get("submitted", 0.0)), files=tuple(sorted(files.items())),
        custom=wire.get("custom") is True, limits=_limits(wire.get("limits")),
        validator_flags=tuple(flags) if flags is not None else None, parts=parts,
    )  # fmt: skip


def _limits(wire: object) -> JobLimits | None:
    if wire is None:
        return None
    if not isinstance(wire, dict):
        raise UsageError("a job's 'limits' must be an object {time, memory, output}")
    time, memory, output = wire.get("time"), wire.get("memory"), wire.get("output")
    numbers = (time, memory, output)
    if any(isinstance(v, bool) or not (v is None or isinstance(v, int | float)) for v in numbers):
        raise UsageError("a job's limits must be numbers or null")
    if not all(isinstance(v, int) or v is None for v in (memory, output)):
        raise UsageError("a job's memory and output limits must be whole bytes")
    return JobLimits(
        None if time is None else float(time),
        memory if isinstance(memory, int) else None,
        output if isinstance(output, int) else None,
    )
