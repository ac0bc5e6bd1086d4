"""Fixtures of the server tests: real servers (`python -m judgebox.server`) on free ports."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from live_server import LiveServer, StartServer, write_problems


@pytest.fixture(scope="session")
def problems_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A problem library with `aplusb`."""
    return write_problems(tmp_path_factory.mktemp("problems"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, problems_dir: Path) -> Iterator[LiveServer]:
    """A server with the default settings, shared by a module's tests."""
    live = LiveServer(tmp_path_factory.mktemp("server"), problems_dir)
    try:
        live.wait_healthy()
        yield live
    finally:
        live.stop()


@pytest.fixture
def start_server(tmp_path: Path, problems_dir: Path) -> Iterator[StartServer]:
    """Start servers with particular settings (JUDGEBOX_* env, flags); stopped at the end."""
    started: list[LiveServer] = []

    def start(
        env: Mapping[str, str] | None = None,
        args: tuple[str, ...] = (),
        db: Path | None = None,
        wait: bool = True,
    ) -> LiveServer:
        directory = tmp_path / f"server{len(started)}"
        directory.mkdir()
        live = LiveServer(directory, problems_dir, env=env, args=args, db=db)
        started.append(live)
        if wait:
            live.wait_healthy()
        return live

    yield start
    for live in started:
        live.stop()
