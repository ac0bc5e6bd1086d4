"""Fixtures of the browser tests: a real `judgebox serve` and Debian's Chromium.

The server is the installed `judgebox` next to the running interpreter, on a
free loopback port, with the bundled problems; it is stopped with SIGTERM.
Chromium is /usr/bin/chromium driven by Playwright (no browser download).
"""

from __future__ import annotations

import mimetypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright
from statement_packages import write_statement_packages

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "src" / "judgebox" / "server" / "static"
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# An origin that never reaches the network: tests of the page's pure modules
# serve static/ on it through page.route().
STATIC_ORIGIN = "http://judgebox-static.test"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"judgebox serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"judgebox serve did not answer /healthz within 60 s:\n{log.read_text()}")


def _serve(log: Path, args: tuple[str, ...] = ()) -> Iterator[str]:
    """A real `judgebox serve` on a free port (with `args`), stopped with SIGTERM after."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    executable = Path(sys.executable).with_name("judgebox")
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [str(executable), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_healthy(process, url, log)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """Base URL of a real `judgebox serve` with the bundled problems."""
    yield from _serve(ARTIFACTS / "server.log")


@pytest.fixture(scope="module")
def statements_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server whose problems have LaTeX statements (statement_packages.py)."""
    problems = write_statement_packages(tmp_path_factory.mktemp("problems"))
    yield from _serve(ARTIFACTS / "statements-server.log", ("--problems", str(problems)))


@pytest.fixture(scope="module")
def playwright_session() -> Iterator[Playwright]:
    """One Playwright driver per test module: its event loop must not outlive the web tests
    (async tests of other suites collected after them could not start theirs)."""
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Debian's headless Chromium."""
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh laptop-sized page (own storage) per test; an uncaught page error fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    uncaught: list[str] = []
    page.on("pageerror", lambda error: uncaught.append(f"{error.name}: {error.message}"))
    yield page
    context.close()
    assert uncaught == [], f"uncaught errors in the page: {uncaught}"


@pytest.fixture
def static_page(page: Page) -> Page:
    """A page on an offline origin that serves src/judgebox/server/static/ as /static/."""

    def serve(route: Route) -> None:
        path = route.request.url.removeprefix(STATIC_ORIGIN)
        if path in ("", "/"):
            blank = "<!doctype html><title>static</title>"
            route.fulfill(status=200, content_type="text/html", body=blank)
            return
        file = STATIC_DIR / path.removeprefix("/static/")
        if not path.startswith("/static/") or not file.is_file():
            route.fulfill(status=404, body="not found")
            return
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if file.suffix == ".js":
            content_type = "text/javascript"
        route.fulfill(status=200, content_type=content_type, body=file.read_bytes())

    page.route(f"{STATIC_ORIGIN}/**", serve)
    page.goto(f"{STATIC_ORIGIN}/")
    return page


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Call screenshot(page) or screenshot(page, "state"): test-artifacts/web/<test>[-state].png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, state: str = "") -> Path:
        name = request.node.name + (f"-{state}" if state else "")
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
