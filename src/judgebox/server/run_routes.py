"""Routes that judge: `POST /validate-dataset` and the runs API (`/runs`, `/runs/{id}`, events).

Thin: parse the body, build a Submission, hand it to the executor, stream back.
A `/validate-dataset` run belongs to its connection (a disconnect cancels it);
a `/runs` run outlives connections (only `DELETE` cancels it).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response

from judgebox.judging.judge import Submission
from judgebox.runs import CancelReason
from judgebox.server.error_map import documented_errors
from judgebox.server.event_schemas import RUN_DOCUMENT, event_stream_content
from judgebox.server.run_options import apply_options, cases_problem
from judgebox.server.run_request import (
    header_number,
    parse_run_request,
    read_body,
    request_schema,
    require_json,
    submitted_files,
)
from judgebox.server.state import ServerState, State
from judgebox.server.streaming import (
    collect_document,
    event_stream,
    run_snapshot,
    wants_event_stream,
)

router = APIRouter(responses=documented_errors(401, 421, 503))
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": request_schema()}},
    }
}
_DELETE_WAIT_S = 10.0
_SUBMIT_ERRORS = documented_errors(400, 403, 404, 413, 415, 422, 429)
_JSON_OBJECT: dict[str, Any] = {"schema": {"type": "object"}}
_SSE: dict[str, Any] = event_stream_content()


async def _submit(state: ServerState, request: Request, *, runs_api: bool = False) -> str:
    """Read, check and submit the request's run; its id.

    `runs_api`: POST /runs, where `cancelWhenUnwatched` applies (a /validate-dataset run
    belongs to its connection already).
    """
    require_json(request)  # 415 before reading: no form or text/plain posts (CSRF)
    body = await read_body(request, state.settings.max_body_bytes)
    # Parsing and checking are CPU work on hostile bytes: off the event loop.
    wanted = await asyncio.to_thread(parse_run_request, body, state.settings)
    state.judge.language(wanted.language)  # UnknownLanguageError (422) before anything runs
    run_id = uuid.uuid4().hex
    inline_dir: Path | None = None
    base = None
    custom_input = wanted.cases is not None and any(c.answer is None for c in wanted.cases)
    # Cases that all have answers are an inline dataset: the problem's name is ignored.
    if wanted.problem is not None and (wanted.cases is None or custom_input):
        # Loads the package, or scans the library to name the known ones: off the loop.
        base = await asyncio.to_thread(state.library.get, wanted.problem)
    if wanted.cases is not None:
        inline_dir = state.sandbox.workspace(f"{run_id}-cases")
        cases = [c.model_dump(exclude_none=True) for c in wanted.cases]
        try:
            problem = await asyncio.to_thread(cases_problem, cases, base, inline_dir)
        except BaseException:
            shutil.rmtree(inline_dir, ignore_errors=True)
            raise
    else:
        assert base is not None
        problem = base
    try:
        state.judge.require_kind(problem, wanted.language)  # answer files or a program: 422
        problem = apply_options(
            problem, limits=wanted.limits.model_dump() if wanted.limits else None,
            validator_flags=wanted.validator_flags,
            inline=problem.format_version == "inline", settings=state.settings,
        )  # fmt: skip
    except BaseException:
        if inline_dir is not None:
            shutil.rmtree(inline_dir, ignore_errors=True)
        raise
    submission = Submission(problem, wanted.language, wanted.code or "",
                            wanted.stop_on_first_failure, run_id=run_id,
                            files=submitted_files(wanted))  # fmt: skip
    try:
        unwatched = runs_api and wanted.cancel_when_unwatched
        await state.executor.submit(submission, cancel_when_unwatched=unwatched)
    except BaseException:
        if inline_dir is not None:
            shutil.rmtree(inline_dir, ignore_errors=True)
        raise
    if inline_dir is not None:
        state.spawn(_remove_when_done(state, run_id, inline_dir))
    return run_id


async def _remove_when_done(state: ServerState, run_id: str, directory: Path) -> None:
    try:
        await (await state.executor.get(run_id)).wait_done()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@router.post(
    "/validate-dataset",
    openapi_extra=_BODY_DOC,
    responses={
        200: {
            "description": "SSE (Accept: text/event-stream), else one JSON document",
            "content": {"application/json": {"schema": RUN_DOCUMENT}, "text/event-stream": _SSE},
        },
        **_SUBMIT_ERRORS,
    },
)
async def validate_dataset(request: Request, state: State) -> Response:
    """Judge code against a dataset; SSE or one JSON document; a disconnect cancels it."""
    run_id = await _submit(state, request)
    if wants_event_stream(request):
        return event_stream(state.executor, state.settings, run_id, cancel_on_disconnect=True)
    document = await collect_document(state.executor, run_id, request, cancel_on_disconnect=True)
    return JSONResponse(document)


@router.post(
    "/runs",
    status_code=202,
    openapi_extra=_BODY_DOC,
    responses={
        202: {"description": "the run is queued", "content": {"application/json": _JSON_OBJECT}},
        **_SUBMIT_ERRORS,
    },
)
async def create_run(request: Request, state: State) -> JSONResponse:
    """Start a run that outlives the connection (unless `cancelWhenUnwatched` and unfollowed)."""
    run_id = await _submit(state, request, runs_api=True)
    body = {"runId": run_id, "eventsUrl": f"/runs/{run_id}/events"}
    return JSONResponse(body, status_code=202, headers={"Location": f"/runs/{run_id}"})


@router.get("/runs/{run_id}", responses=documented_errors(404))
async def get_run(run_id: str, state: State) -> dict[str, Any]:
    """The run's status and results so far."""
    return run_snapshot(await state.executor.get(run_id))


@router.get(
    "/runs/{run_id}/events",
    response_class=Response,
    responses={
        200: {"description": "the run's events", "content": {"text/event-stream": _SSE}},
        **documented_errors(400, 404),
    },
)
async def run_events(
    run_id: str,
    state: State,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    """The run's events as SSE: from the start or after Last-Event-ID, then live."""
    after = 0
    if last_event_id is not None and last_event_id.strip():
        after = header_number(last_event_id, "Last-Event-ID (the id of an event received)")
    await state.executor.get(run_id)  # 404 before the stream starts
    return event_stream(state.executor, state.settings, run_id, after=after,
                        cancel_on_disconnect=False)  # fmt: skip


@router.delete("/runs/{run_id}", responses=documented_errors(403, 404))
async def delete_run(run_id: str, state: State) -> dict[str, Any]:
    """Cancel the run; answers once its sandbox is gone and `complete` is written."""
    state.executor.cancel(run_id, CancelReason.DELETE)
    run = await state.executor.get(run_id)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(run.wait_done(), _DELETE_WAIT_S)
    return {"runId": run.run_id, "status": run.state}
