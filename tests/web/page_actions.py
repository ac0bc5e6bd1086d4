"""What the browser tests do on the page: open it, choose a problem and language, type code."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

APLUSB_OK = "a,b=map(int,input().split());print(a+b)"


def open_page(page: Page, server_url: str) -> None:
    """Load the page and wait until it has the problem and language lists."""
    page.goto(server_url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=15_000)


def prepare(page: Page, problem: str, language: str, code: str) -> None:
    """Choose a problem and a language and type the code."""
    page.get_by_label("Problem").select_option(problem)
    page.get_by_label("Language").select_option(language)
    page.get_by_label("Source code").fill(code)


def problem_info(server_url: str, name: str) -> dict[str, Any]:
    """GET /problems/{name} from the server itself."""
    response = httpx.get(f"{server_url}/problems/{name}", timeout=10)
    response.raise_for_status()
    info: dict[str, Any] = response.json()
    return info
