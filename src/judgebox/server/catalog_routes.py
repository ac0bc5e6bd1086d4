"""Routes that describe: languages, problems, health, metrics, the web page and its files."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST

from judgebox.problems.package import Problem, TestCase
from judgebox.server.error_map import documented_errors
from judgebox.server.state import ServerState, State
from judgebox.server.statement_view import STATEMENT_FILE_TYPES, statement_fields, statement_file
from judgebox.vocabulary.errors import NotFoundError

router = APIRouter(responses=documented_errors(421, 503))
_GUARDED = documented_errors(401)  # with a token; /healthz and the page need none
STATIC_DIR = Path(__file__).parent / "static"
BUNDLE = STATIC_DIR / "dist" / "app.js"  # built by scripts/setup.sh (npm ci + web/build.mjs)
_log = logging.getLogger(__name__)
_NO_CACHE = {"Cache-Control": "no-cache"}
_MISSING_BUNDLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>judgebox: page not built</title></head>
<body><main><h1>The web page is not built</h1>
<p>The page's scripts (<code>src/judgebox/server/static/dist/</code>) are missing.
Run <code>scripts/setup.sh</code> (it runs <code>npm ci</code> and the esbuild build in
<code>web/</code>), then reload. The HTTP API works without them.</p></main></body></html>
"""
_FILE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
_TEXT_CAP = 64 * 1024  # sample files shown on the page


def problem_summary(problem: Problem) -> dict[str, Any]:
    """GET /problems row: limits in seconds and bytes (null: the server's defaults)."""
    return {
        "name": problem.name,
        "title": problem.title,
        "totalCases": len(problem.cases),
        "sampleCases": len(problem.samples),
        "timeLimit": problem.time_limit,
        "memoryLimit": problem.memory_limit,
    }


def _read_text(path: Path) -> str:
    with path.open("rb") as file:
        return file.read(_TEXT_CAP).decode("utf-8", errors="replace")


@router.get("/languages", responses=_GUARDED)
async def languages(state: State) -> list[dict[str, Any]]:
    """The languages whose toolchain is present."""
    return state.judge.languages_info()


@router.get("/problems", responses=_GUARDED)
async def problems(state: State) -> list[dict[str, Any]]:
    """Every problem of the library."""
    # Loading packages reads the disk and parses files: off the event loop.
    found = await asyncio.to_thread(state.library.list)
    return [problem_summary(p) for p in found]


@router.get("/problems/{name}", responses={**_GUARDED, **documented_errors(404)})
async def problem(name: str, state: State, statementLanguage: str | None = None) -> dict[str, Any]:
    """One problem with its statement (in `statementLanguage` where it has one) and samples."""
    # Loading a package reads its folders, an unknown name lists the library's, and a
    # LaTeX statement waits for its conversion (a child process): off the event loop.
    return await asyncio.to_thread(_problem_document, state, name, statementLanguage)


def _problem_document(
    state: ServerState, name: str, statement_language: str | None = None
) -> dict[str, Any]:
    found = state.library.get(name)
    document = problem_summary(found)
    # The limit runs get, and how it was found; an inferred one is known after a first run.
    limit = state.judge.time_limits.known(found)
    if limit is None:
        document["timeLimitSource"] = "inferred"
        document["timeLimitDetail"] = "from the package's submissions, on the first run"
    else:
        document["timeLimit"] = limit.seconds
        document["timeLimitSource"] = limit.source
        document["timeLimitDetail"] = limit.detail
    document["outputLimit"] = found.output_limit
    document["scoring"] = found.scoring
    document.update(statement_fields(found, statement_language, state.settings.cache_dir))
    document["samples"] = [_sample(case) for case in found.samples]
    return document


@router.get(
    "/problems/{name}/statement-files/{relative:path}",
    response_class=Response,
    responses={**_GUARDED, **documented_errors(404)},
    include_in_schema=False,
)
async def problem_statement_file(name: str, relative: str, state: State) -> Response:
    """An image of the problem's statement folder (for the statement's <img>)."""
    found = statement_file(state.library.get(name).path, relative)
    if found is None:
        raise NotFoundError(f"no image {relative!r} in the statement of {name!r}")
    media_type = STATEMENT_FILE_TYPES[found.suffix.lower()]
    return FileResponse(found, media_type=media_type, headers=_FILE_HEADERS)


def _sample(case: TestCase) -> dict[str, Any]:
    """A sample as a statement shows it (.in.statement, .ans.statement, .out, .interaction)."""
    shown: dict[str, Any] = {
        "name": case.name,
        "input": _read_text(case.statement_input or case.input_path),
        "answer": _read_text(case.statement_answer or case.answer_path),
    }
    if case.interaction is not None:  # interactive / multi-pass: the log is what is shown
        shown["interaction"] = _read_text(case.interaction)
    return shown


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness."""
    return {"status": "ok"}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}, **_GUARDED},
)
async def metrics(state: State) -> Response:
    """Prometheus text format."""
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/", include_in_schema=False, response_model=None)
async def index() -> FileResponse | HTMLResponse:
    """The web page (a page that says how to build it when its scripts are missing)."""
    if not BUNDLE.is_file():
        _log.error("web page not built: %s is missing; run scripts/setup.sh", BUNDLE)
        return HTMLResponse(_MISSING_BUNDLE_PAGE, status_code=503, headers=_NO_CACHE)
    return FileResponse(STATIC_DIR / "index.html", headers=_NO_CACHE)


def mount_static(app: FastAPI) -> None:
    """Serve the page's files under /static."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
