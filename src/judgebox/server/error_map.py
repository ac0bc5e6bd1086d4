"""The one map from exceptions to HTTP answers: `{"error": {"code", "message"}}` with a status.

UsageError (CodeNotUtf8Error)  400    UnknownLanguageError  422
NotFoundError (problem, run)   404    QueueFullError        429 + Retry-After
TooLargeError                  413    ShuttingDownError     503
UnauthorizedError              401 + WWW-Authenticate
ForeignOriginError             403    UnsupportedMediaTypeError  415
UntrustedHostError             421
FastAPI validation errors, malformed JSON -> 400; unknown paths -> 404; anything
else (the judge's fault: SandboxError, a broken package, a bug) -> 500, logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from judgebox.vocabulary.errors import (
    ForeignOriginError,
    JudgeboxError,
    LimitAboveCapError,
    NotFoundError,
    QueueFullError,
    ShuttingDownError,
    TooLargeError,
    UnauthorizedError,
    UnknownLanguageError,
    UnsupportedMediaTypeError,
    UntrustedHostError,
    UsageError,
)

log = logging.getLogger("judgebox.server")


_STATUS: tuple[tuple[type[JudgeboxError], int], ...] = (
    (UsageError, 400),
    (UnauthorizedError, 401),
    (ForeignOriginError, 403),
    (NotFoundError, 404),
    (TooLargeError, 413),
    (UnsupportedMediaTypeError, 415),
    (UntrustedHostError, 421),
    (UnknownLanguageError, 422),
    (LimitAboveCapError, 422),
    (QueueFullError, 429),
    (ShuttingDownError, 503),
)
_HTTP_CODES = {404: "not-found", 405: "method-not-allowed", 400: "bad-request"}
_WHEN = {
    400: "malformed JSON, a missing or wrong-typed field, code not UTF-8, a bad header",
    401: "the server's bearer token is missing or wrong",
    403: "a state-changing request whose Origin is another site (not in cors_origins)",
    404: "unknown problem, run or path",
    413: "request body or code larger than the configured cap",
    415: "the body's Content-Type is not application/json (or a +json type)",
    421: "the Host header is not a name this server answers for (see allowed_hosts)",
    422: "unknown or unavailable language; a request limit above the server's cap",
    429: "too many runs queued; retry after Retry-After seconds",
    503: "the server is shutting down",
}


class ErrorDetail(BaseModel):
    """What went wrong and what to do."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """Every error answer: `{"error": {"code", "message"}}`."""

    error: ErrorDetail


def documented_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entries of these error statuses (the one body shape)."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorBody, "description": _WHEN[status]}
        if status == 429:
            entry["headers"] = {
                "Retry-After": {"description": "seconds", "schema": {"type": "string"}}
            }
        documented[status] = entry
    return documented


def status_of(error: JudgeboxError) -> int:
    """The HTTP status of a judgebox error (500 for the judge's own faults)."""
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 500)


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The JSON error body of docs/api.md."""
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def response_for(error: JudgeboxError) -> JSONResponse:
    """The HTTP answer to a judgebox error."""
    status = status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, QueueFullError):
        headers["Retry-After"] = str(error.retry_after)
    elif isinstance(error, UnauthorizedError):
        headers["WWW-Authenticate"] = 'Bearer realm="judgebox"'
    elif isinstance(error, ShuttingDownError):
        headers["Connection"] = "close"
    if status == 500:
        log.error("%s: %s", type(error).__name__, error.message)
    return error_response(status, error.code, error.message, headers)


def install_error_map(app: FastAPI) -> None:
    """Register the handlers so that every error leaves in the one JSON shape."""

    async def judgebox_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, JudgeboxError)
        return response_for(exc)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        )
        return error_response(400, "bad-request", f"invalid request: {problems}")

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, f"http-{exc.status_code}")
        message = str(exc.detail)
        if exc.status_code == 404:
            message = f"no such endpoint: {request.method} {request.url.path} (see /openapi.json)"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path} (see /openapi.json)"
        return error_response(exc.status_code, code, message, exc.headers)

    async def client_gone(request: Request, exc: Exception) -> JSONResponse:
        # The client hung up while sending its body: nothing to answer, nothing went wrong.
        log.info("client went away while sending %s %s", request.method, request.url.path)
        return error_response(400, "bad-request", "the request body was not received in full")

    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = "the server failed on this request (its log has the details); try again"
        return error_response(500, "internal-error", message)

    app.add_exception_handler(JudgeboxError, judgebox_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(ClientDisconnect, client_gone)
    app.add_exception_handler(Exception, unexpected_error)
