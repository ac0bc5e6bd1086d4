"""The body of `POST /validate-dataset` and `POST /runs`: read with caps, parsed, checked.

Field names match case-insensitively (`Problem`, `PROBLEM`), as the original C#
sandbox did; unknown fields are ignored (clients may be newer than us). Every
mistake is a judgebox error with a message that says what to send instead.
Only JSON bodies are read (a cross-site form or `text/plain` POST needs no CORS
preflight, a JSON one does), nested at most MAX_JSON_DEPTH levels.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request

from judgebox.languages.entry_points import EntryPointError, check_file_names
from judgebox.settings import Settings
from judgebox.vocabulary.errors import (
    CodeNotUtf8Error,
    TooLargeError,
    UnsupportedMediaTypeError,
    UsageError,
)

_EXAMPLE = '{"problem": "aplusb", "language": "python3", "code": "print(3)"}'
MAX_JSON_DEPTH = 32  # a request needs 3 ({"cases": [{...}]})
_DIGITS_SHOWN = 20  # a header longer than any real length or id is not a number


class InlineCase(BaseModel):
    """One inline case."""

    model_config = ConfigDict(strict=True, extra="ignore")
    name: str | None = None
    input: str
    answer: str | None = Field(
        None, description="the expected output; leave it out for custom input (no verdict "
        "inline, the reference's verdict against a named problem)"
    )  # fmt: skip


class RequestLimits(BaseModel):
    """Per-request limits: lower than the problem's, at most the server's caps."""

    model_config = ConfigDict(strict=True, extra="ignore")
    time: int | float | str | None = Field(None, description="CPU seconds per case, or '500ms'")
    memory: int | float | str | None = Field(None, description="bytes per case, or '128m'")
    output: int | float | str | None = Field(None, description="bytes of output, or '1m'")


class RunRequest(BaseModel):
    """What to judge (the run request of docs/api.md)."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)
    problem: str | None = Field(None, description="a name from GET /problems")
    language: str = Field(description="an id from GET /languages")
    code: str | None = Field(None, description="the source, UTF-8 text (or give files)")
    files: dict[str, str] | None = Field(
        None, description="a multi-file submission: file name -> UTF-8 text (instead of code)"
    )
    stop_on_first_failure: bool = Field(False, alias="stopOnFirstFailure")
    cases: list[InlineCase] | None = Field(None, description="an inline dataset")
    cancel_when_unwatched: bool = Field(
        False,
        alias="cancelWhenUnwatched",
        description="POST /runs: cancel the run once no client has followed its events for "
        "unwatched_grace (10 s); ignored by /validate-dataset",
    )
    limits: RequestLimits | None = Field(None, description="lower limits for this run")
    validator_flags: str | list[str] | None = Field(
        None, alias="validatorFlags", description="the default checker's flags (inline cases)"
    )


_CANONICAL = {
    name.lower(): name for name in ("problem", "language", "code", "files", "cases", "limits")
}
_CANONICAL["stoponfirstfailure"] = "stopOnFirstFailure"
_CANONICAL["cancelwhenunwatched"] = "cancelWhenUnwatched"
_CANONICAL["validatorflags"] = "validatorFlags"


def is_json_media_type(content_type: str) -> bool:
    """True for `application/json` and `application/<anything>+json`, with any parameters."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    kind, slash, subtype = media_type.partition("/")
    return (
        kind == "application"
        and bool(slash)
        and (subtype == "json" or (subtype.endswith("+json") and len(subtype) > len("+json")))
    )


def require_json(request: Request) -> None:
    """UnsupportedMediaTypeError unless the body is declared as JSON."""
    given = request.headers.get("content-type")
    if given is None or not is_json_media_type(given):
        shown = "no Content-Type" if given is None else f"Content-Type {given[:100]!r}"
        raise UnsupportedMediaTypeError(
            f"the body must be JSON sent with 'Content-Type: application/json', not {shown} "
            f"(e.g. curl -H 'Content-Type: application/json' -d '{_EXAMPLE}')"
        )


def header_number(value: str, what: str) -> int:
    """A header's decimal number (ASCII digits, bounded length); UsageError if it is not one."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > _DIGITS_SHOWN:
        raise UsageError(f"{what} must be a number of at most {_DIGITS_SHOWN} digits, "
                         f"not {value[:_DIGITS_SHOWN]!r}")  # fmt: skip
    return int(value)


async def read_body(request: Request, cap: int) -> bytes:
    """The raw body, refused with TooLargeError past `cap` bytes (declared or counted)."""
    declared = request.headers.get("content-length")
    too_large = TooLargeError(
        f"the request body is over the {cap} byte cap; send less code or fewer inline cases"
    )
    if declared is not None and header_number(declared, "the Content-Length header") > cap:
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
    document = parse_json(text)
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


def parse_json(text: str) -> Any:
    """The JSON document of a request body; UsageError if malformed or too deep."""
    too_deep = UsageError(
        f"JSON nested deeper than {MAX_JSON_DEPTH} levels; send an object like {_EXAMPLE}"
    )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
            f"send an object like {_EXAMPLE}"
        ) from None
    except RecursionError:  # the parser recurses per level: thousands deep exhaust the stack
        raise too_deep from None
    except ValueError:  # an integer past Python's 4300-digit conversion limit
        raise UsageError(
            f"a number in the JSON has too many digits; send an object like {_EXAMPLE}"
        ) from None
    if json_depth(document) > MAX_JSON_DEPTH:
        raise too_deep
    return document


def json_depth(document: Any) -> int:
    """How deep arrays and objects nest in a parsed document (0 for a scalar); no recursion."""
    deepest = 0
    todo: list[tuple[Any, int]] = [(document, 0)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, depth + 1)
            todo.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
    return deepest


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg'].lower()}")
    return "invalid request: " + "; ".join(parts) + f" (expected e.g. {_EXAMPLE})"


def submitted_files(request: RunRequest) -> tuple[tuple[str, str], ...]:
    """The request's files (name, text) sorted by name; () for a single `code` string."""
    return tuple(sorted((request.files or {}).items()))


def _check_text(request: RunRequest, settings: Settings) -> None:
    if (request.code is None) == (request.files is None):
        raise UsageError(
            'give the source as "code" (one string) or as "files" (name -> text), '
            f"exactly one of them: {_EXAMPLE}"
        )
    texts = [request.code] if request.code is not None else list((request.files or {}).values())
    if request.files is not None:
        try:
            check_file_names(list(request.files))
        except EntryPointError as error:
            raise UsageError(f"files: {error}") from None
    try:
        size = sum(len(text.encode("utf-8")) for text in texts if text is not None)
    except UnicodeEncodeError:
        raise CodeNotUtf8Error(
            "the code contains a lone surrogate escape (\\ud800-\\udfff) and is not UTF-8 text"
        ) from None
    if size > settings.max_code_bytes:
        raise TooLargeError(
            f"the code is {size} bytes in all, over the {settings.max_code_bytes} byte cap; "
            "shorten it"
        )
    if request.problem is None and request.cases is None:
        raise UsageError(f"give a problem name (GET /problems) or inline cases: {_EXAMPLE}")
    # The cases' contents (text, names) are checked once, by problems.inline_problem.
    if request.cases is not None and len(request.cases) > settings.max_inline_cases:
        raise TooLargeError(
            f"{len(request.cases)} inline cases, over the cap of "
            f"{settings.max_inline_cases}; send fewer or make a problem package"
        )


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
