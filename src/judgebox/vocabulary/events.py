"""The events of a run, one class per docs/api.md event, and their single wire encoding.

`to_wire()` is the only place where Python names become camelCase JSON fields;
the SSE encoder, the JSON collector, the CLI, the run store and the scale-out
workers all use it (and `event_from_wire()` to read an event back).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
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

# Each result type's fields as (wire name, attribute): the one place a field is spelled,
# read by both to_wire() and event_from_wire(). The _OPTIONAL tables are fields an event
# may lack: left out when unset, and absent from events stored before they existed.
_Fields = tuple[tuple[str, str], ...]

_START_FIELDS: _Fields = (
    ("runId", "run_id"), ("problem", "problem"), ("language", "language"),
    ("totalCases", "total_cases"),
)  # fmt: skip
_COMPILE_FIELDS: _Fields = (("ok", "ok"), ("timeMs", "time_ms"), ("output", "output"))
_COMPILE_OPTIONAL: _Fields = (("cached", "cached"),)  # always sent; older runs lack it
_CASE_FIELDS: _Fields = (
    ("index", "index"), ("name", "name"), ("verdict", "verdict"), ("timeMs", "time_ms"),
    ("wallTimeMs", "wall_time_ms"), ("memoryKb", "memory_kb"), ("exitCode", "exit_code"),
    ("signal", "signal"), ("feedback", "feedback"),
)  # fmt: skip
_CASE_OPTIONAL: _Fields = (  # sent only when not None
    ("input", "input"), ("answer", "answer"), ("output", "output"), ("stderr", "stderr"),
    ("outputTruncated", "output_truncated"), ("reference", "reference"),
    ("inputRejected", "input_rejected"), ("score", "score"),
)  # fmt: skip
_DIFFERENCE_FIELDS: _Fields = (("kind", "kind"),)
_DIFFERENCE_OPTIONAL: _Fields = (("line", "line"), ("token", "token"), ("column", "column"))
_GROUP_FIELDS: _Fields = (
    ("name", "name"), ("verdict", "verdict"), ("score", "score"), ("maxScore", "max_score"),
)  # fmt: skip
_SUMMARY_FIELDS: _Fields = (
    ("totalCases", "total_cases"), ("completed", "completed"), ("verdict", "verdict"),
    ("passed", "passed"), ("failed", "failed"), ("skipped", "skipped"), ("status", "status"),
)  # fmt: skip
_SUMMARY_OPTIONAL: _Fields = (
    ("unjudged", "unjudged"), ("score", "score"), ("maxScore", "max_score"),
)  # fmt: skip
# Attributes whose wire string is read back as an enum.
_ENUMS: dict[str, type[StrEnum]] = {"verdict": Verdict, "status": RunStatus}


def _encode(result: object, fields: _Fields) -> dict[str, Any]:
    """The fields of `result` under their wire names; an enum as its plain string."""
    wire: dict[str, Any] = {}
    for key, attribute in fields:
        value = getattr(result, attribute)
        wire[key] = str(value) if isinstance(value, StrEnum) else value
    return wire


def _decode(data: dict[str, Any], fields: _Fields, optional: _Fields = ()) -> dict[str, Any]:
    """Keyword arguments for a result type: every field of `fields`, the optional ones present.

    A missing required field is a KeyError naming it.
    """
    present = [(key, attribute) for key, attribute in optional if key in data]
    values: dict[str, Any] = {}
    for key, attribute in (*fields, *present):
        kind = _ENUMS.get(attribute)
        values[attribute] = data[key] if kind is None else kind(data[key])
    return values


@dataclass(frozen=True, slots=True)
class StartEvent:
    """First event: what is being judged."""

    name: ClassVar[str] = "start"
    run_id: str
    problem: str
    language: str
    total_cases: int

    def to_wire(self) -> dict[str, Any]:
        return _encode(self, _START_FIELDS)


@dataclass(frozen=True, slots=True)
class CompileEvent:
    """After compiling (or the no-op check of an interpreted language)."""

    name: ClassVar[str] = "compile"
    result: CompileResult

    def to_wire(self) -> dict[str, Any]:
        return _encode(self.result, _COMPILE_FIELDS + _COMPILE_OPTIONAL)


@dataclass(frozen=True, slots=True)
class CaseResultEvent:
    """One per case, in dataset order."""

    name: ClassVar[str] = "case-result"
    result: CaseResult

    def to_wire(self) -> dict[str, Any]:
        r = self.result
        wire = _encode(r, _CASE_FIELDS)
        set_fields = tuple(f for f in _CASE_OPTIONAL if getattr(r, f[1]) is not None)
        wire.update(_encode(r, set_fields))
        if r.difference is not None:  # WA by the default checker: positions, never values
            wire["difference"] = _encode(r.difference, _DIFFERENCE_FIELDS + _DIFFERENCE_OPTIONAL)
        return wire


@dataclass(frozen=True, slots=True)
class GroupResultEvent:
    """Scoring problems: one per test group, as soon as its last case is emitted."""

    name: ClassVar[str] = "group-result"
    result: GroupResult

    def to_wire(self) -> dict[str, Any]:
        return _encode(self.result, _GROUP_FIELDS)


@dataclass(frozen=True, slots=True)
class CompleteEvent:
    """Last event of every run that was not abandoned by its client."""

    name: ClassVar[str] = "complete"
    summary: Summary

    def to_wire(self) -> dict[str, Any]:
        s = self.summary
        wire = _encode(s, _SUMMARY_FIELDS)
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
        return StartEvent(**_decode(data, _START_FIELDS))
    if name == "compile":
        return CompileEvent(CompileResult(**_decode(data, _COMPILE_FIELDS, _COMPILE_OPTIONAL)))
    if name == "case-result":
        difference = _difference_from_wire(data.get("difference"))
        return CaseResultEvent(
            CaseResult(**_decode(data, _CASE_FIELDS, _CASE_OPTIONAL), difference=difference)
        )
    if name == "group-result":
        return GroupResultEvent(GroupResult(**_decode(data, _GROUP_FIELDS)))
    if name == "complete":
        return CompleteEvent(Summary(**_decode(data, _SUMMARY_FIELDS, _SUMMARY_OPTIONAL)))
    raise ValueError(f"unknown event name: {name!r}")


def _difference_from_wire(data: dict[str, Any] | None) -> Difference | None:
    if data is None:
        return None
    return Difference(**_decode(data, _DIFFERENCE_FIELDS, _DIFFERENCE_OPTIONAL))


def run_document(events: list[Event]) -> dict[str, Any]:
    """The JSON-mode document of docs/api.md, from a run's events (CLI and server alike)."""
    doc: dict[str, Any] = {
        "runId": None, "problem": None, "language": None, "totalCases": 0,
        "compile": None, "cases": [], "summary": None,
    }  # fmt: skip
    for event in events:
        if isinstance(event, StartEvent):
            doc.update(event.to_wire())
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
