"""The JSON schema of each SSE event's `data` (what `to_wire()` writes), for the OpenAPI document.

The SSE body is text; each event's `data:` line is one JSON object whose shape
depends on the `event:` name. OpenAPI 3.1 has no word for that, so the stream is
described as FastAPI describes its own SSE routes: an `itemSchema` (the OpenAPI
3.2 way) with one alternative per event, whose `data` is a JSON string with a
`contentSchema`. docs/api.md is the prose of the same; tests/unit/test_api_doc.py
checks these schemas against `to_wire()`.
"""

from __future__ import annotations

from typing import Any

from judgebox.vocabulary.verdicts import RunStatus, Verdict

_INT: dict[str, Any] = {"type": "integer"}
_STR: dict[str, Any] = {"type": "string"}
_BOOL: dict[str, Any] = {"type": "boolean"}
_NUMBER: dict[str, Any] = {"type": "number"}
_NUMBER_OR_NULL: dict[str, Any] = {"type": ["number", "null"]}
_VERDICT: dict[str, Any] = {"type": "string", "enum": [str(v) for v in Verdict]}
_STATUS: dict[str, Any] = {"type": "string", "enum": [str(s) for s in RunStatus]}


def _object(title: str, description: str, properties: dict[str, Any], *optional: str) -> Any:
    return {
        "title": title,
        "description": description,
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


START = _object(
    "StartEventData",
    "event `start`: first, before compiling",
    {"runId": _STR, "problem": _STR, "language": _STR, "totalCases": _INT},
)
COMPILE = _object(
    "CompileEventData",
    "event `compile`: after compiling (interpreted languages: a syntax check or a no-op)",
    {
        "ok": _BOOL,
        "timeMs": _INT,
        "output": {**_STR, "description": "the compiler's messages, truncated"},
        "cached": {**_BOOL, "description": "the artifact came from the compile cache"},
    },
)
CASE_RESULT = _object(
    "CaseResultEventData",
    "event `case-result`: one per case, in dataset order; input/answer/output on visible cases",
    {
        "index": {**_INT, "description": "1-based position in the dataset"},
        "name": _STR,
        "verdict": _VERDICT,
        "timeMs": {**_INT, "description": "CPU time, ms"},
        "wallTimeMs": {**_INT, "description": "wall-clock time, ms"},
        "memoryKb": {**_INT, "description": "peak memory, KiB"},
        "exitCode": {"type": ["integer", "null"]},
        "signal": {"type": ["string", "null"], "description": "e.g. SIGSEGV"},
        "feedback": _STR,
        "input": {**_STR, "description": "visible cases only, truncated"},
        "answer": {**_STR, "description": "visible cases only, truncated"},
        "output": {**_STR, "description": "visible cases that ran only, truncated"},
        "stderr": {**_STR, "description": "custom-input cases: the program's stderr, truncated"},
        "outputTruncated": {**_BOOL, "description": "custom-input cases: `output` was cut"},
        "reference": {**_STR, "description": "custom-input cases: the judging reference"},
        "inputRejected": {
            **_STR,
            "description": "custom-input cases: why the input is outside the problem",
        },
        "score": {**_NUMBER, "description": "scoring problems only: the case's score"},
        "difference": {
            "type": "object",
            "description": "WA by the default checker only: where the output first differs "
            "(1-based positions in the program's output; no values, so secret cases have it too)",
            "properties": {
                "kind": {**_STR, "description": "how it differs, in words that quote nothing"},
                "line": {"type": ["integer", "null"]},
                "token": {"type": ["integer", "null"], "description": "token within the line"},
                "column": {"type": ["integer", "null"], "description": "whitespace differences"},
            },
            "required": ["kind", "line", "token", "column"],
        },
    },
    "input",
    "answer",
    "output",
    "stderr",
    "outputTruncated",
    "reference",
    "inputRejected",
    "score",
    "difference",
)
GROUP_RESULT = _object(
    "GroupResultEventData",
    "event `group-result`: scoring problems only, when a test group is decided",
    {
        "name": {**_STR, "description": "the group's path under data/, e.g. secret/group1"},
        "verdict": _VERDICT,
        "score": {**_NUMBER_OR_NULL, "description": "null for sample (never scored)"},
        "maxScore": {**_NUMBER_OR_NULL, "description": "null when unbounded"},
    },
)
COMPLETE = _object(
    "CompleteEventData",
    "event `complete`: last, always, unless the client went away",
    {
        "totalCases": _INT,
        "completed": {**_BOOL, "description": "the run finished and every case was judged"},
        "verdict": {**_VERDICT, "description": "the overall verdict"},
        "passed": _INT,
        "failed": _INT,
        "skipped": _INT,
        "status": _STATUS,
        "unjudged": {**_INT, "description": "custom input only: cases that ran, no verdict (RAN)"},
        "score": {**_NUMBER, "description": "scoring problems only: the score of secret"},
        "maxScore": {**_NUMBER_OR_NULL, "description": "scoring problems only; null: unbounded"},
    },
    "unjudged",
    "score",
    "maxScore",
)

#: The `data` schema of each event, by its SSE `event:` name.
EVENT_DATA: dict[str, dict[str, Any]] = {
    "start": START,
    "compile": COMPILE,
    "case-result": CASE_RESULT,
    "group-result": GROUP_RESULT,
    "complete": COMPLETE,
}


def _item(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": f"{name} event",
        "type": "object",
        "properties": {
            "event": {"const": name},
            "id": {"type": "string", "description": "the event's number in the run: 1, 2, 3 …"},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": data,
            },
        },
        "required": ["event", "id", "data"],
    }


_SUMMARY = {
    **COMPLETE,
    "title": "RunSummary",
    "description": "the `complete` event's data without totalCases",
    "properties": {k: v for k, v in COMPLETE["properties"].items() if k != "totalCases"},
    "required": [k for k in COMPLETE["required"] if k != "totalCases"],
}

#: The JSON-mode document of `/validate-dataset` (and `judgebox run --json`).
RUN_DOCUMENT: dict[str, Any] = {
    "title": "RunDocument",
    "type": "object",
    "properties": {
        **START["properties"],
        "compile": {"anyOf": [COMPILE, {"type": "null"}]},
        "cases": {"type": "array", "items": CASE_RESULT},
        "groups": {"type": "array", "items": GROUP_RESULT},
        "summary": {"anyOf": [_SUMMARY, {"type": "null"}]},
    },
    "required": [*START["required"], "compile", "cases", "summary"],
}


def event_stream_content() -> dict[str, Any]:
    """The `text/event-stream` media type entry of an OpenAPI response: every event's data."""
    names = ", ".join(f"`{name}`" for name in EVENT_DATA)
    return {
        "schema": {
            "type": "string",
            "description": (
                f"SSE: events {names} (see itemSchema and docs/api.md), each with `id:` "
                "(1, 2, 3 …), `event:` and one line of JSON in `data:`; `: ping` comments "
                "while idle"
            ),
        },
        "itemSchema": {"oneOf": [_item(name, data) for name, data in EVENT_DATA.items()]},
    }
