"""The gate in front of every route: 503 while shutting down, and the optional bearer token.

Pure ASGI (not BaseHTTPMiddleware), so it never wraps `receive` and the
routes still see the client's `http.disconnect` at once.
"""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from judgebox.server.error_map import response_for
from judgebox.server.state import Lifecycle
from judgebox.vocabulary.errors import ShuttingDownError, UnauthorizedError

# The page and its files, the health check and the API description need no token.
_PUBLIC_PATHS = frozenset({"/", "/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect"})


class AccessGate:
    """ASGI middleware: refuse requests while shutting down or without the token."""

    def __init__(self, app: ASGIApp, lifecycle: Lifecycle, token: str | None) -> None:
        self.app = app
        self.lifecycle = lifecycle
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 503 / 401."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.lifecycle.shutting_down:
            stopping = ShuttingDownError("the server is shutting down; retry once it is back")
            await response_for(stopping)(scope, receive, send)
            return
        if self.token and not self._public(scope) and not self._authorized(scope):
            refused = UnauthorizedError(
                "this server needs its token: send the header 'Authorization: Bearer <token>'"
            )
            await response_for(refused)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _public(scope: Scope) -> bool:
        path: str = scope["path"]
        return path in _PUBLIC_PATHS or path.startswith("/static/")

    def _authorized(self, scope: Scope) -> bool:
        assert self.token is not None
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, given = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer":
                    return hmac.compare_digest(given.strip().encode(), self.token.encode())
        return False
