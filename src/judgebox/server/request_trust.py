"""Which requests a browser may make here: trusted Host names, same-site Origins (CSRF, rebinding).

- Host: a page that re-points its own DNS name at this server (DNS rebinding) makes
  the browser send that name as Host. Only the loopback names, the bound `host` and
  `allowed_hosts` (`*`: any) are answered, with or without a port; others get 421.
  A request without Host (HTTP/1.0) cannot come from such a page. `/healthz` is
  exempt: it tells nothing, and load balancers probe it by address.
- Origin: browsers send it on every POST, PUT, PATCH and DELETE. Such a request
  whose Origin is neither this server (the Origin names the Host) nor in
  `cors_origins` is refused with 403. No Origin (curl, the CLI, programs) is
  allowed: a cross-site request needs a browser, and a browser sends it.

Pure ASGI (like AccessGate), so the routes still see `http.disconnect` at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from judgebox.server.error_map import response_for
from judgebox.settings import Settings
from judgebox.vocabulary.errors import (
    ForeignOriginError,
    JudgeboxError,
    UntrustedHostError,
    UsageError,
)

_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNGUARDED_PATHS = frozenset({"/healthz"})
_SHOWN = 100  # characters of a refused header quoted back


def split_host(value: str) -> tuple[str, int | None] | None:
    """`name[:port]`, `[v6]:port` or a bare v6 address as (lower-case name, port); None if bad."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket:
            return None
    elif value.count(":") > 1:
        name, rest = value, ""  # a bare IPv6 address (a settings entry; Host brackets it)
    else:
        name, colon, digits = value.partition(":")
        rest = colon + digits
    port: int | None = None
    if rest:
        digits = rest[1:]
        if rest[0] != ":" or not (digits.isascii() and digits.isdigit()) or len(digits) > 5:
            return None
        port = int(digits)
    name = name.rstrip(".")  # "localhost." is "localhost"
    return (name, port) if name else None


@dataclass(frozen=True)
class RequestTrust:
    """The Host names and Origins this server trusts."""

    any_host: bool
    names: frozenset[str]  # any port
    name_ports: frozenset[tuple[str, int]]
    any_origin: bool
    origins: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> RequestTrust:
        """The trust of these settings; UsageError naming a malformed `allowed_hosts` entry."""
        names: set[str] = set()
        name_ports: set[tuple[str, int]] = set()
        for entry in (*_LOOPBACK_NAMES, settings.host, *settings.allowed_hosts):
            if entry == "*":
                continue
            parsed = split_host(entry)
            if parsed is None:
                raise UsageError(
                    f"allowed host {entry!r} is not a host name: give names like "
                    "judge.example.com or judge.example.com:8443, comma-separated"
                )
            name, port = parsed
            if port is None:
                names.add(name)
            else:
                name_ports.add((name, port))
        return cls(
            any_host="*" in settings.allowed_hosts,
            names=frozenset(names),
            name_ports=frozenset(name_ports),
            any_origin="*" in settings.cors_origins,
            origins=frozenset(o.strip().rstrip("/").lower() for o in settings.cors_origins),
        )

    def allows_host(self, host: str) -> bool:
        """True when a Host header names this server."""
        if self.any_host:
            return True
        parsed = split_host(host)
        if parsed is None:
            return False
        name, port = parsed
        return name in self.names or (port is not None and (name, port) in self.name_ports)

    def allows_origin(self, origin: str, host: str | None) -> bool:
        """True when a state-changing request from this Origin may go on."""
        if self.any_origin or origin.strip().rstrip("/").lower() in self.origins:
            return True
        return host is not None and same_origin(origin, host)


def same_origin(origin: str, host: str) -> bool:
    """True when an Origin (`scheme://name[:port]`) names the same server as a Host header."""
    scheme, separator, rest = origin.strip().lower().partition("://")
    if not separator or scheme not in _DEFAULT_PORTS:
        return False  # "null" (sandboxed frames, file:) and unknown schemes
    ours, theirs = split_host(host), split_host(rest)
    if ours is None or theirs is None:
        return False
    default = _DEFAULT_PORTS[scheme]
    return ours[0] == theirs[0] and (ours[1] or default) == (theirs[1] or default)


class RequestTrustGate:
    """ASGI middleware: 421 for an untrusted Host, 403 for a foreign Origin changing state."""

    def __init__(self, app: ASGIApp, trust: RequestTrust) -> None:
        self.app = app
        self.trust = trust

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or refuse it."""
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await response_for(refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> JudgeboxError | None:
        host: str | None = None
        origins: list[str] = []
        for name, value in scope["headers"]:
            if name == b"host" and host is None:
                host = value.decode("latin-1")
            elif name == b"origin":
                origins.append(value.decode("latin-1"))
        guarded = scope["path"] not in _UNGUARDED_PATHS
        if host is not None and guarded and not self.trust.allows_host(host):
            return UntrustedHostError(
                f"this server does not answer for the host name {host[:_SHOWN]!r} (a guard "
                "against DNS rebinding): use 127.0.0.1 or localhost, or add the name to "
                "allowed_hosts (--allowed-host NAME or JUDGEBOX_ALLOWED_HOSTS)"
            )
        if scope["method"] in _STATE_CHANGING:
            for origin in origins:
                if not self.trust.allows_origin(origin, host):
                    return ForeignOriginError(
                        f"a page of {origin[:_SHOWN]!r} may not change anything here (a guard "
                        "against cross-site requests): use the server's own page, or add the "
                        "origin to cors_origins (--cors-origin or JUDGEBOX_CORS_ORIGINS)"
                    )
        return None
