"""`create_app(settings)`: the FastAPI app, its lifespan (sandbox, judge, library, executor).

start-up:  Sandbox.open (isolation line, or IsolationUnavailableError) -> Judge
           (toolchain probe) -> ProblemLibrary -> executor.start (SQLite, recovery)
SIGTERM:   Lifecycle.begin_shutdown(): new requests 503, every run cancelled
           (reason shutdown) so every open stream ends with complete/cancelled
shutdown:  executor.close (bounded) -> kill every box -> sandbox.close
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware

from judgebox.judging.judge import Judge
from judgebox.problems.library import ProblemLibrary
from judgebox.runs import Executor, LocalExecutor, RunObserver
from judgebox.sandbox import Sandbox, SandboxConfig
from judgebox.server.access import AccessGate
from judgebox.server.error_map import install_error_map
from judgebox.server.metrics import Metrics
from judgebox.server.request_trust import RequestTrust, RequestTrustGate
from judgebox.settings import Settings
from judgebox.vocabulary.errors import UsageError

log = logging.getLogger("judgebox.server")

ExecutorFactory = Callable[[Settings, Judge, RunObserver], Executor]


def default_executor(settings: Settings, judge: Judge, observer: RunObserver) -> Executor:
    """Runs in this process (the default), or on NATS JetStream workers with `--nats URL`."""
    if settings.nats_url:
        from judgebox.scaleout import JetStreamExecutor

        return JetStreamExecutor(settings, observer)
    return LocalExecutor(settings, judge.run, observer)


@dataclass
class Lifecycle:
    """Whether the server is stopping, and what to do the moment it starts to."""

    shutting_down: bool = False
    on_shutdown: list[Callable[[], None]] = field(default_factory=list)

    def begin_shutdown(self) -> None:
        """Refuse new requests and stop every run now (idempotent; call in the loop)."""
        if self.shutting_down:
            return
        self.shutting_down = True
        log.info("shutting down: cancelling every run")
        for callback in self.on_shutdown:
            callback()


@dataclass
class ServerState:
    """What the routes use, built by the lifespan."""

    settings: Settings
    sandbox: Sandbox
    judge: Judge
    library: ProblemLibrary
    executor: Executor
    metrics: Metrics
    lifecycle: Lifecycle
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a small chore in the background, kept referenced until it ends."""
        task = asyncio.create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)


def server_state(request: Request) -> ServerState:
    """The app's state (a FastAPI dependency)."""
    state: ServerState = request.app.state.judgebox
    return state


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """Refuse to serve untrusted code execution to the network without a token."""
    if settings.token or settings.no_auth or is_loopback(settings.host):
        return
    raise UsageError(
        f"listening on {settings.host} lets anyone on the network run code here: give a "
        "token (--token T or JUDGEBOX_TOKEN) or, behind your own authentication, --no-auth"
    )


def create_app(
    settings: Settings,
    *,
    sandbox: Sandbox | None = None,
    make_executor: ExecutorFactory = default_executor,
) -> FastAPI:
    """The judgebox HTTP app; `sandbox` may be opened beforehand (it is closed at shutdown)."""
    check_exposure(settings)
    trust = RequestTrust.from_settings(settings)  # UsageError for a malformed allowed host
    if not is_loopback(settings.host) and not settings.allowed_hosts:
        log.warning(
            "only Host names %s are answered: give the server's public names with "
            "--allowed-host or JUDGEBOX_ALLOWED_HOSTS",
            ", ".join(sorted(trust.names)),
        )
    lifecycle = Lifecycle()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        box_host = sandbox or open_sandbox(settings)
        metrics = Metrics()
        executor: Executor | None = None
        try:
            judge = await asyncio.to_thread(Judge, settings, box_host)
            # Probe every toolchain now, in a thread, not on the loop at the first request.
            offered = await asyncio.to_thread(judge.languages_info)
            for language_id, packages in judge.missing_languages().items():
                log.info("language %s not offered: install the Debian package %s "
                         "(scripts/setup.sh --languages %s)", language_id, packages,
                         language_id)  # fmt: skip
            executor = make_executor(settings, judge, metrics)
            await executor.start()
            metrics.watch_queue(executor.queue_length)
            library = ProblemLibrary(settings.problems_dir)
            state = ServerState(settings, box_host, judge, library, executor, metrics, lifecycle)
            lifecycle.on_shutdown.append(executor.begin_shutdown)
            app.state.judgebox = state
            log.info("judgebox ready: %d languages, problems from %s",
                     len(offered), settings.problems_dir)  # fmt: skip
            yield
        finally:
            lifecycle.begin_shutdown()
            if executor is not None:
                await executor.close(timeout=max(1.0, settings.graceful_timeout / 2))
            box_host.kill_all_boxes()
            box_host.close()

    app = FastAPI(
        title="judgebox",
        version="0.1.0",
        summary="Judge programs against problem datasets in a sandbox; stream the results.",
        lifespan=lifespan,
    )
    app.state.lifecycle = lifecycle
    install_error_map(app)
    from judgebox.server import catalog_routes, run_routes  # routes need the app's types

    app.include_router(run_routes.router)
    app.include_router(catalog_routes.router)
    catalog_routes.mount_static(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],
            expose_headers=["Retry-After"],
        )
    app.add_middleware(AccessGate, lifecycle=lifecycle, token=settings.token)
    app.add_middleware(RequestTrustGate, trust=trust)  # outermost: checks Host and Origin first
    return app


def open_sandbox(settings: Settings) -> Sandbox:
    """Open the sandbox host as the settings say (logs the isolation line)."""
    config = SandboxConfig(
        work_root=settings.work_root, uid_base=settings.uid_base, insecure=settings.insecure
    )
    return Sandbox.open(config)
