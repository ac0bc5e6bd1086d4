"""Routes that describe: languages, problems, health, metrics, the web page and its files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST

from judgebox.problems.package import Problem, TestCase
from judgebox.server.app import ServerState, server_state
from judgebox.server.error_map import documented_errors

router = APIRouter(responses=documented_errors(421, 503))
_GUARDED = documented_errors(401)  # with a token; /healthz and the page need none
State = Annotated[ServerState, Depends(server_state)]
STATIC_DIR = Path(__file__).parent / "static"
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
async def problem(name: str, state: State) -> dict[str, Any]:
    """One problem with its statement and sample cases."""
    # An unknown name scans the whole library to list the known ones: off the event loop.
    return await asyncio.to_thread(_problem_document, state, name)


def _problem_document(state: ServerState, name: str) -> dict[str, Any]:
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
    document["statement"] = found.statement
    document["statementFormat"] = found.statement_format
    document["samples"] = [_sample(case) for case in found.samples]
    return document


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


@router.get("/", include_in_schema=False)
async def index() -> FileResponse:
    """The web page."""
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def mount_static(app: FastAPI) -> None:
    """Serve the page's files under /static."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
