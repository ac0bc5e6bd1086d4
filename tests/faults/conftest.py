"""Fixtures of the fault and soak tests: real servers (`python -m judgebox.server`) to abuse.

- `server_files`: a fresh work root, cache, database and problem library under /tmp.
- `start_server`: starts a server on those files with JUDGEBOX_* settings; every server
  started is stopped (SIGTERM, then SIGKILL) at the end and the files are removed.

Async tests use the anyio pytest plugin on asyncio (`@pytest.mark.anyio`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest
from fault_programs import write_library
from fault_server import FaultServer, ServerFiles

StartServer = Callable[[Mapping[str, str]], FaultServer]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """The server runs on asyncio; so do the clients."""
    return "asyncio"


@pytest.fixture
def server_files() -> Iterator[ServerFiles]:
    """One server's files (kept across its restarts within the test)."""
    files = ServerFiles()
    write_library(files.problems)
    yield files
    files.remove()


@pytest.fixture
def start_server(server_files: ServerFiles) -> Iterator[StartServer]:
    """Start a server (healthy when returned) on the test's files."""
    started: list[FaultServer] = []

    def start(env: Mapping[str, str]) -> FaultServer:
        server = FaultServer(server_files, env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        # Shown by pytest only when the test failed.
        print(f"--- log of the server on port {server.port} (last 80 lines) ---")
        print("\n".join(server.log().splitlines()[-80:]))
