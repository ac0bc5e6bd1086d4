"""What the routes depend on: `ServerState`, `Lifecycle` and the `State` dependency.

Below app.py (which builds them in its lifespan) and the routes and gates (which use
them), so that no module of server/ needs app.py except the ones that start it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from judgebox.judging.judge import Judge
from judgebox.problems.library import ProblemLibrary
from judgebox.runs import Executor
from judgebox.sandbox import Sandbox
from judgebox.server.metrics import Metrics
from judgebox.settings import Settings

log = logging.getLogger("judgebox.server")


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


State = Annotated[ServerState, Depends(server_state)]
"""A route parameter of this type receives the app's `ServerState`."""
