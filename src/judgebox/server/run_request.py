"""The body of `POST /validate-dataset` and `POST /runs`: read with caps, parsed, checked.

Field names match case-insensitively (`Problem`, `PROBLEM`), as the original C#
sandbox did; unknown fields are ignored (clients may be newer than us). Every
mistake is a judgebox error with a message that says what to send instead.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request

from judgebox.errors import CodeNotUtf8Error, TooLargeError, UsageError
from judgebox.settings import Settings

_EXAMPLE = '{"problem": "aplusb", "language": "python3", "code": "print(3)"}'


class InlineCase(BaseModel):
    """One inline case."""

    model_config = ConfigDict(strict=True, extra="ignore")
    name: str | None = None
    input: str
    answer: str


class RunRequest(BaseModel):
    """What to judge (API.md: "Submitting a run against a problem's dataset")."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)
    problem: str | None = Field(None, description="a name from GET /problems")
    language: str = Field(description="an id from GET /languages")
    code: str = Field(description="the source, UTF-8 text")
    stop_on_first_failure: bool = Field(False, alias="stopOnFirstFailure")
    cases: list[InlineCase] | None = Field(None, description="an inline dataset")


_CANONICAL = {name.lower(): name for name in ("problem", "language", "code", "cases")}
_CANONICAL["stoponfirstfailure"] = "stopOnFirstFailure"


async def read_body(request: Request, cap: int) -> bytes:
    """The raw body, refused with TooLargeError past `cap` bytes (declared or counted)."""
    declared = request.headers.get("content-length")
    too_large = TooLargeError(
        f"the request body is over the {cap} byte cap; send less code or fewer inline cases"
    )
    if declared is not None:
        if not declared.isdigit():
            raise UsageError("the Content-Length header is not a number")
        if int(declared) > cap:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def parse_run_request(body: bytes, settings: Settings) -> RunRequest:
    """Parse and check a run request; UsageError, CodeNotUtf8Error or TooLargeError."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodeNotUtf8Error(
            f"the request body is not UTF-8 (byte {exc.start}); send the code as UTF-8 text"
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
            f"send an object like {_EXAMPLE}"
        ) from None
    if not isinstance(document, dict):
        raise UsageError(f"the body must be a JSON object like {_EXAMPLE}")
    fields: dict[str, Any] = {}
    for key, value in document.items():
        canonical = _CANONICAL.get(key.lower())
        if canonical is None:
            continue
        if canonical in fields:
            raise UsageError(f"the field {canonical!r} is given twice (names ignore case)")
        fields[canonical] = value
    try:
        request = RunRequest.model_validate(fields)
    except ValidationError as exc:
        raise UsageError(_describe(exc)) from None
    _check_text(request, settings)
    return request


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg'].lower()}")
    return "invalid request: " + "; ".join(parts) + f" (expected e.g. {_EXAMPLE})"


def _check_text(request: RunRequest, settings: Settings) -> None:
    try:
        size = len(request.code.encode("utf-8"))
    except UnicodeEncodeError:
        raise CodeNotUtf8Error(
            "the code contains a lone surrogate escape (\\ud800-\\udfff) and is not UTF-8 text"
        ) from None
    if size > settings.max_code_bytes:
        raise TooLargeError(
            f"the code is {size} bytes, over the {settings.max_code_bytes} byte cap; shorten it"
        )
    if request.problem is None and request.cases is None:
        raise UsageError(f"give a problem name (GET /problems) or inline cases: {_EXAMPLE}")
    if request.cases is not None:
        if len(request.cases) > settings.max_inline_cases:
            raise TooLargeError(
                f"{len(request.cases)} inline cases, over the cap of "
                f"{settings.max_inline_cases}; send fewer or make a problem package"
            )
        for index, case in enumerate(request.cases):
            for text in (case.name or "", case.input, case.answer):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise UsageError(f"cases[{index}] is not UTF-8 text") from None


def request_schema() -> dict[str, Any]:
    """The request body's JSON schema with its definitions inlined (for the OpenAPI doc)."""
    schema = RunRequest.model_json_schema(by_alias=True)
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    result: dict[str, Any] = inline(schema)
    return result
