"""`serve(settings)`: uvicorn in this process, with a shutdown that ends every run cleanly.

uvicorn waits for open connections before the lifespan's shutdown, so the
runs must end first: the first SIGTERM/SIGINT (a plain signal handler) asks the
event loop, thread-safely, to begin the shutdown at once: new requests get 503,
every run is cancelled (its sandbox killed) and every open stream ends with
complete/cancelled. `timeout_graceful_shutdown` is the backstop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import FrameType

import uvicorn

from judgebox.judging.sandbox_setup import open_sandbox
from judgebox.server.app import check_exposure, create_app
from judgebox.server.request_trust import RequestTrust
from judgebox.server.state import Lifecycle
from judgebox.settings import Settings

log = logging.getLogger("judgebox.server")

# How long an idle keep-alive connection stays open. uvicorn's default (5 s) equals
# httpx's idle expiry (5 s): a client could send on a connection at the very moment the
# server closed it, and httpx does not retry (a soak test saw ReadError on DELETE).
# Longer than the common clients' expiry (httpx 5 s, undici 4 s), the client closes first.
KEEP_ALIVE_S = 65


class DrainingServer(uvicorn.Server):
    """uvicorn's Server that also starts our shutdown on the first exit signal."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_exit = on_exit
        self.loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        """Remember the loop, then serve."""
        self.loop = asyncio.get_running_loop()
        await super().serve(sockets)  # type: ignore[arg-type]

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Signal handler: uvicorn's (and sse-starlette's) behaviour, plus our shutdown."""
        first = not self.should_exit
        super().handle_exit(sig, frame)
        if first and self.loop is not None:
            self.loop.call_soon_threadsafe(self.on_exit)


def configure_logging(level: str) -> None:
    """One line per record on stderr, unless logging is configured already."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("judgebox").setLevel(level.upper())


def serve(settings: Settings) -> None:
    """Serve until SIGTERM/SIGINT. Raises JudgeboxError (e.g. isolation unavailable) first."""
    configure_logging(settings.log_level)
    check_exposure(settings)
    RequestTrust.from_settings(settings)  # a malformed allowed host: one line, before the box
    if settings.nats_url:  # fail here in one line, not in uvicorn's lifespan with a traceback
        asyncio.run(_check_nats(settings))
    sandbox = open_sandbox(settings)  # fails here, with its one clear line, not in uvicorn
    app = create_app(settings, sandbox=sandbox)
    lifecycle: Lifecycle = app.state.lifecycle
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        timeout_graceful_shutdown=max(1, round(settings.graceful_timeout)),
        timeout_keep_alive=KEEP_ALIVE_S,
        log_level=settings.log_level.lower(),
        access_log=False,
        lifespan="on",
    )
    server = DrainingServer(config, lifecycle.begin_shutdown)
    try:
        server.run()
    finally:
        if not server.started:
            sandbox.close()
    if not server.started:
        raise SystemExit(3)


async def _check_nats(settings: Settings) -> None:
    """Connect once to the NATS server of --nats (JudgeboxError saying what to do if not)."""
    from judgebox.scaleout.streams import connect

    client = await connect(settings, name="judgebox-serve-check", timeout=5.0)
    await client.close()
