"""docs/api.md keeps step with the code: every event, field, verdict, status, error code and route.

The code is the truth and the doc its contract of record; a name the code has and
the doc lacks fails here, so a new event, field, error code or route cannot land
undocumented. The OpenAPI event schemas (`server/event_schemas.py`) are checked
against `to_wire()` the same way.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import BaseRoute, Mount, Route

from judgebox.problems.package import load_problem
from judgebox.runs import Run
from judgebox.server import error_map
from judgebox.server.app import create_app
from judgebox.server.catalog_routes import problem_summary
from judgebox.server.event_schemas import EVENT_DATA, RUN_DOCUMENT, event_stream_content
from judgebox.server.streaming import run_snapshot
from judgebox.settings import Settings, bundled_problems_dir
from judgebox.vocabulary import errors
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
from judgebox.vocabulary.verdicts import (
    CaseResult,
    CompileResult,
    Difference,
    GroupResult,
    RunStatus,
    Summary,
    Verdict,
)

ROOT = Path(__file__).resolve().parents[2]
DOC_PATH = ROOT / "docs" / "api.md"

# One event of each kind with every optional field set, so to_wire() shows all its fields.
SAMPLE_EVENTS: list[Event] = [
    StartEvent("3f9c2b7e", "aplusb", "python3", 2),
    CompileEvent(CompileResult(ok=True, time_ms=41, output="", cached=True)),
    CaseResultEvent(
        CaseResult(
            1,
            "sample/1",
            Verdict.RTE,
            3,
            5,
            1024,
            None,
            "SIGSEGV",
            "killed",
            input="1 2\n",
            answer="3\n",
            output="",
        )
    ),
    CaseResultEvent(CaseResult(2, "secret/1", Verdict.AC, 12, 13, 8940, 0, None, "")),
    CaseResultEvent(
        CaseResult(
            2,
            "secret/2",
            Verdict.WA,
            12,
            13,
            8940,
            0,
            None,
            "line 1, token 2: the token differs from the expected one",
            difference=Difference("the token differs from the expected one", 1, 2),
        )
    ),
    CaseResultEvent(
        CaseResult(
            3,
            "1",
            Verdict.RAN,
            10,
            11,
            8000,
            0,
            None,
            "",
            input="1 x\n",
            output="",
            stderr="",
            output_truncated=False,
            reference="submissions/accepted/a.cpp",
            input_rejected="the input validator input_validators/v.py rejected it",
        )
    ),
    CompleteEvent(Summary(3, False, Verdict.RTE, 1, 1, 0, RunStatus.FINISHED, unjudged=1)),
    CompleteEvent(Summary(2, False, Verdict.RTE, 1, 1, 0, RunStatus.FINISHED)),
    # a scoring problem's: a case score, a group, the run's score
    CaseResultEvent(CaseResult(3, "secret/g1/1", Verdict.AC, 12, 13, 89, 0, None, "", score=30.0)),
    GroupResultEvent(GroupResult("secret/g1", Verdict.AC, 30.0, 30.0)),
    CompleteEvent(Summary(3, True, Verdict.AC, 3, 0, 0, RunStatus.FINISHED, 30.0, 100.0)),
]


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC_PATH.read_text(encoding="utf-8")


def _section(doc: str, heading: str) -> str:
    """The text under `heading` (a whole heading line) up to the next heading of any level."""
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^#|\Z)", doc, re.MULTILINE | re.DOTALL)
    assert match is not None, f"docs/api.md has no heading {heading!r}"
    return match.group(1)


def _rows(text: str) -> list[str]:
    """The first cells of the table rows in `text`, e.g. '`cached`' or '404'."""
    return [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ")]


def _missing_rows(text: str, names: set[str]) -> list[str]:
    """The names that have no table row of their own (first cell `name`) in `text`."""
    rows = set(_rows(text))
    return sorted(name for name in names if f"`{name}`" not in rows)


def test_the_samples_cover_every_event_class() -> None:
    assert {type(e) for e in SAMPLE_EVENTS} == set(typing.get_args(Event))


def test_every_event_has_a_section_with_a_row_per_field(doc: str) -> None:
    for name in {e.name for e in SAMPLE_EVENTS}:
        section = _section(doc, f"### `{name}`")
        fields = {key for e in SAMPLE_EVENTS if e.name == name for key in e.to_wire()}
        assert _missing_rows(section, fields) == [], name


def test_every_verdict_and_run_status_is_documented(doc: str) -> None:
    assert _missing_rows(_section(doc, "## Verdicts"), {str(v) for v in Verdict}) == []
    assert _missing_rows(_section(doc, "## Run statuses"), {str(s) for s in RunStatus}) == []


def _error_kinds() -> list[type[errors.JudgeboxError]]:
    """The exception tree of errors.py, from its root."""
    kinds: list[type[errors.JudgeboxError]] = []
    stack: list[type[errors.JudgeboxError]] = [errors.JudgeboxError]
    while stack:
        kind = stack.pop()
        kinds.append(kind)
        stack.extend(kind.__subclasses__())
    return kinds


def _error_codes() -> set[str]:
    """Every code the error tree and the HTTP error map can send."""
    codes = {kind.code for kind in _error_kinds()}
    codes.update(error_map._HTTP_CODES.values())
    # the codes written as literals in the error map's handlers
    source = Path(error_map.__file__).read_text(encoding="utf-8")
    codes.update(re.findall(r'error_response\(\s*\d+,\s*"([a-z0-9-]+)"', source))
    return codes


def _error_table(doc: str) -> dict[str, str]:
    """The Errors table: code -> status."""
    table = {}
    for line in _section(doc, "## Errors").splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 3 and cells[0].isdigit():
            table[cells[1].strip("`")] = cells[0]
    return table


def test_every_error_code_has_a_row_with_its_status(doc: str) -> None:
    codes = _error_codes()
    assert {"bad-request", "internal-error", "queue-full", "method-not-allowed"} <= codes
    table = _error_table(doc)
    # the base class's code is never sent as such (every error is a subclass)
    assert sorted(codes - {errors.JudgeboxError.code} - set(table)) == []
    assert f"`{errors.JudgeboxError.code}`" in _section(doc, "## Errors")
    for kind in _error_kinds():
        if kind.code in table and kind is not errors.JudgeboxError:
            assert table[kind.code] == str(error_map.status_of(kind.__new__(kind))), kind.code


def test_every_error_status_of_the_map_is_documented(doc: str) -> None:
    statuses = set(_error_table(doc).values())
    for status in {status for _, status in error_map._STATUS} | set(error_map._WHEN):
        assert str(status) in statuses, status


def _json_blocks(doc: str) -> list[str]:
    return re.findall(r"^```json\n(.*?)^```$", doc, re.MULTILINE | re.DOTALL)


def test_every_json_example_parses(doc: str) -> None:
    blocks = _json_blocks(doc)
    assert len(blocks) >= 10
    for block in blocks:
        try:
            json.loads(block)
        except json.JSONDecodeError as exc:
            pytest.fail(f"a ```json block of docs/api.md does not parse ({exc}):\n{block}")


def test_the_event_examples_are_real_events(doc: str) -> None:
    """Every ```json example that looks like an event's data reads back as that event."""
    shapes = {frozenset(e.to_wire()) - {"input", "answer", "output"}: e.name for e in SAMPLE_EVENTS}
    seen = set()
    for block in _json_blocks(doc):
        data = json.loads(block)
        if isinstance(data, dict):
            name = shapes.get(frozenset(data) - {"input", "answer", "output"})
            if name is not None:
                assert event_from_wire(name, data).to_wire() == data
                seen.add(name)
    assert seen == {e.name for e in SAMPLE_EVENTS}


def _routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, through included routers and mounts."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:  # FastAPI's included router
            context = getattr(route, "include_context", None)
            yield from _routes(original.routes, prefix + getattr(context, "prefix", ""))
        elif isinstance(route, Mount):
            yield prefix + route.path, set()
        elif isinstance(route, Route):
            yield prefix + route.path, set(route.methods or ()) - {"HEAD"}
        else:
            path = getattr(route, "path", None)
            assert path is not None, f"a route of unknown kind: {route!r}"
            yield prefix + path, set(getattr(route, "methods", None) or ()) - {"HEAD"}


_FASTAPI_PAGES = {"/docs", "/docs/oauth2-redirect", "/redoc"}


def test_every_route_of_the_app_is_documented(doc: str) -> None:
    routes = list(_routes(create_app(Settings()).routes))
    paths = {path for path, _ in routes}
    places = [line for line in doc.splitlines() if line.startswith(("| ", "#"))]
    assert {"/validate-dataset", "/runs/{run_id}/events", "/", "/static"} <= paths
    missing = []
    for path, methods in routes:
        if not methods:  # a mount: its folder, e.g. `/static/`
            wanted = {f"`{path}/"}
        elif path in _FASTAPI_PAGES:  # the interactive API pages: by path
            wanted = {f"`{path}`"}
        else:
            wanted = {f"`{method} {path}`" for method in methods}
        # in a table row or a heading, not only in passing
        missing += [w for w in wanted if not any(w in line for line in places)]
    assert missing == []


def _conforms(value: Any, schema: dict[str, Any]) -> bool:
    """A small JSON-schema check: type, enum, const, properties, required, items, anyOf."""
    if "anyOf" in schema:
        return any(_conforms(value, s) for s in schema["anyOf"])
    if "const" in schema and value != schema["const"]:
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        python: dict[str, type | tuple[type, ...]] = {
            "string": str,
            "boolean": bool,
            "object": dict,
            "array": list,
            "null": type(None),
            "integer": int,
            "number": (int, float),
        }
        if not any(
            isinstance(value, python[k])
            and not (k in ("integer", "number") and isinstance(value, bool))
            for k in kinds
        ):
            return False
    if isinstance(value, dict):
        if not set(schema.get("required", ())) <= set(value):
            return False
        properties = schema.get("properties", {})
        if not all(_conforms(v, properties[k]) for k, v in value.items() if k in properties):
            return False
    if isinstance(value, list) and "items" in schema:
        return all(_conforms(v, schema["items"]) for v in value)
    return True


def test_the_openapi_event_schemas_match_to_wire() -> None:
    assert set(EVENT_DATA) == {e.name for e in SAMPLE_EVENTS}
    for event in SAMPLE_EVENTS:
        schema, wire = EVENT_DATA[event.name], event.to_wire()
        assert _conforms(wire, schema), (event.name, wire)
        assert set(wire) <= set(schema["properties"]), event.name
    for name, schema in EVENT_DATA.items():
        documented = {key for e in SAMPLE_EVENTS if e.name == name for key in e.to_wire()}
        assert set(schema["properties"]) == documented, name
    assert _conforms(run_document(SAMPLE_EVENTS), RUN_DOCUMENT)
    # and a schema that does not fit is noticed
    assert not _conforms({"runId": "x"}, EVENT_DATA["start"])
    assert not _conforms({**SAMPLE_EVENTS[-1].to_wire(), "verdict": "OK"}, EVENT_DATA["complete"])


def test_the_openapi_document_describes_each_sse_event() -> None:
    spec = create_app(Settings()).openapi()
    for path, method in (("/validate-dataset", "post"), ("/runs/{run_id}/events", "get")):
        content = spec["paths"][path][method]["responses"]["200"]["content"]
        assert content["text/event-stream"] == json.loads(json.dumps(event_stream_content()))
        items = content["text/event-stream"]["itemSchema"]["oneOf"]
        assert [i["properties"]["event"]["const"] for i in items] == list(EVENT_DATA)
        description = content["text/event-stream"]["schema"]["description"]
        assert all(f"`{name}`" in description for name in EVENT_DATA)
    json_mode = spec["paths"]["/validate-dataset"]["post"]["responses"]["200"]["content"]
    assert json_mode["application/json"]["schema"]["title"] == "RunDocument"


def test_the_run_snapshot_and_problem_rows_are_documented(doc: str) -> None:
    run = Run("3f9c2b7e", "aplusb", "python3", 2)
    for event in SAMPLE_EVENTS:
        run.append(event)
    runs = _section(doc, "## Runs that outlive a connection") + _section(doc, "## Plain JSON mode")
    assert sorted(k for k in run_snapshot(run) if f"`{k}`" not in runs) == []
    problem = load_problem(bundled_problems_dir() / "aplusb")
    discovery = _section(doc, "## Discovery")
    assert sorted(k for k in problem_summary(problem) if f'"{k}"' not in discovery) == []
