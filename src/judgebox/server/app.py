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
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from judgebox import __version__
from judgebox.judging.judge import Judge
from judgebox.judging.sandbox_setup import open_sandbox
from judgebox.problems.library import ProblemLibrary
from judgebox.runs import Executor, LocalExecutor, RunObserver
from judgebox.sandbox import Sandbox
from judgebox.server import catalog_routes, run_routes
from judgebox.server.access import AccessGate
from judgebox.server.error_map import install_error_map
from judgebox.server.metrics import Metrics
from judgebox.server.request_trust import RequestTrust, RequestTrustGate
from judgebox.server.state import Lifecycle, ServerState
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
            library = ProblemLibrary(
                settings.problems_dir, cache_dir=settings.cache_dir, recheck_seconds=1.0
            )
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
        version=__version__,
        summary="Judge programs against problem datasets in a sandbox; stream the results.",
        lifespan=lifespan,
    )
    app.state.lifecycle = lifecycle
    install_error_map(app)
    app.include_router(run_routes.router)
    app.include_router(catalog_routes.router)
    catalog_routes.mount_static(app)
    # Inside CORS (middleware added later is outer): a browser's preflight, which never
    # carries Authorization, is answered by CORS before the token gate, and the gate's
    # 401/503 go out through CORS, with its headers for an allowed origin.
    app.add_middleware(AccessGate, lifecycle=lifecycle, token=settings.token)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],
            expose_headers=["Retry-After"],
        )
    app.add_middleware(RequestTrustGate, trust=trust)  # outermost: checks Host and Origin first
    return app
