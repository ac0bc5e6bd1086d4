"""The events of a run, one class per docs/api.md event, and their single wire encoding.

`to_wire()` is the only place where Python names become camelCase JSON fields;
the SSE encoder, the JSON collector, the CLI, the run store and the scale-out
workers all use it (and `event_from_wire()` to read an event back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from judgebox.vocabulary.verdicts import (
    CaseResult,
    CompileResult,
    Difference,
    GroupResult,
    RunStatus,
    Summary,
    Verdict,
)


@dataclass(frozen=True, slots=True)
class StartEvent:
    """First event: what is being judged."""

    name: ClassVar[str] = "start"
    run_id: str
    problem: str
    language: str
    total_cases: int

    def to_wire(self) -> dict[str, Any]:
        return {
            "runId": self.run_id,
            "problem": self.problem,
            "language": self.language,
            "totalCases": self.total_cases,
        }


@dataclass(frozen=True, slots=True)
class CompileEvent:
    """After compiling (or the no-op check of an interpreted language)."""

    name: ClassVar[str] = "compile"
    result: CompileResult

    def to_wire(self) -> dict[str, Any]:
        r = self.result
        return {"ok": r.ok, "timeMs": r.time_ms, "output": r.output, "cached": r.cached}


@dataclass(frozen=True, slots=True)
class CaseResultEvent:
    """One per case, in dataset order."""

    name: ClassVar[str] = "case-result"
    result: CaseResult

    def to_wire(self) -> dict[str, Any]:
        r = self.result
        wire: dict[str, Any] = {
            "index": r.index,
            "name": r.name,
            "verdict": str(r.verdict),
            "timeMs": r.time_ms,
            "wallTimeMs": r.wall_time_ms,
            "memoryKb": r.memory_kb,
            "exitCode": r.exit_code,
            "signal": r.signal,
            "feedback": r.feedback,
        }
        for key, attribute in _OPTIONAL_CASE_FIELDS:
            value = getattr(r, attribute)
            if value is not None:
                wire[key] = value
        if r.difference is not None:  # WA by the default checker: positions, never values
            d = r.difference
            wire["difference"] = {
                "kind": d.kind, "line": d.line, "token": d.token, "column": d.column,
            }  # fmt: skip
        return wire


# Present on a case-result only when set: (wire name, CaseResult attribute).
_OPTIONAL_CASE_FIELDS = (
    ("input", "input"), ("answer", "answer"), ("output", "output"), ("stderr", "stderr"),
    ("outputTruncated", "output_truncated"), ("reference", "reference"),
    ("inputRejected", "input_rejected"), ("score", "score"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class GroupResultEvent:
    """Scoring problems: one per test group, as soon as its last case is emitted."""

    name: ClassVar[str] = "group-result"
    result: GroupResult

    def to_wire(self) -> dict[str, Any]:
        r = self.result
        return {
            "name": r.name,
            "verdict": str(r.verdict),
            "score": r.score,
            "maxScore": r.max_score,
        }


@dataclass(frozen=True, slots=True)
class CompleteEvent:
    """Last event of every run that was not abandoned by its client."""

    name: ClassVar[str] = "complete"
    summary: Summary

    def to_wire(self) -> dict[str, Any]:
        s = self.summary
        wire: dict[str, Any] = {
            "totalCases": s.total_cases,
            "completed": s.completed,
            "verdict": str(s.verdict),
            "passed": s.passed,
            "failed": s.failed,
            "skipped": s.skipped,
            "status": str(s.status),
        }
        if s.unjudged:  # custom input only: other runs keep their shape
            wire["unjudged"] = s.unjudged
        if s.score is not None:  # scoring problems only: pass-fail runs keep their shape
            wire["score"] = s.score
            wire["maxScore"] = s.max_score
        return wire


Event = StartEvent | CompileEvent | CaseResultEvent | GroupResultEvent | CompleteEvent


def event_from_wire(name: str, data: dict[str, Any]) -> Event:
    """Rebuild an event from its name and `to_wire()` data (run store, scale-out)."""
    if name == "start":
        return StartEvent(data["runId"], data["problem"], data["language"], data["totalCases"])
    if name == "compile":
        return CompileEvent(
            CompileResult(data["ok"], data["timeMs"], data["output"], data.get("cached", False))
        )
    if name == "case-result":
        return CaseResultEvent(
            CaseResult(
                index=data["index"],
                name=data["name"],
                verdict=Verdict(data["verdict"]),
                time_ms=data["timeMs"],
                wall_time_ms=data["wallTimeMs"],
                memory_kb=data["memoryKb"],
                exit_code=data["exitCode"],
                signal=data["signal"],
                feedback=data["feedback"],
                input=data.get("input"),
                answer=data.get("answer"),
                output=data.get("output"),
                stderr=data.get("stderr"),
                output_truncated=data.get("outputTruncated"),
                reference=data.get("reference"),
                input_rejected=data.get("inputRejected"),
                score=data.get("score"),
                difference=_difference_from_wire(data.get("difference")),
            )
        )
    if name == "group-result":
        return GroupResultEvent(
            GroupResult(data["name"], Verdict(data["verdict"]), data["score"], data["maxScore"])
        )
    if name == "complete":
        return CompleteEvent(
            Summary(
                total_cases=data["totalCases"],
                completed=data["completed"],
                verdict=Verdict(data["verdict"]),
                passed=data["passed"],
                failed=data["failed"],
                skipped=data["skipped"],
                status=RunStatus(data["status"]),
                unjudged=data.get("unjudged", 0),
                score=data.get("score"),
                max_score=data.get("maxScore"),
            )
        )
    raise ValueError(f"unknown event name: {name!r}")


def _difference_from_wire(data: dict[str, Any] | None) -> Difference | None:
    if data is None:
        return None
    return Difference(data["kind"], data.get("line"), data.get("token"), data.get("column"))


def run_document(events: list[Event]) -> dict[str, Any]:
    """The JSON-mode document of docs/api.md, from a run's events (CLI and server alike)."""
    doc: dict[str, Any] = {"runId": None, "problem": None, "language": None, "totalCases": 0}
    doc["compile"] = None
    doc["cases"] = []
    doc["summary"] = None
    for event in events:
        if isinstance(event, StartEvent):
            doc.update({k: v for k, v in event.to_wire().items()})
        elif isinstance(event, CompileEvent):
            doc["compile"] = event.to_wire()
        elif isinstance(event, CaseResultEvent):
            doc["cases"].append(event.to_wire())
        elif isinstance(event, GroupResultEvent):  # scoring problems only
            doc.setdefault("groups", []).append(event.to_wire())
        elif isinstance(event, CompleteEvent):
            wire = event.to_wire()
            wire.pop("totalCases", None)
            doc["summary"] = wire
    return doc
