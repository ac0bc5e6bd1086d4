"""What the browser tests do on the page: open it, choose a problem and language, type code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
APLUSB_OK = "a,b=map(int,input().split());print(a+b)"


def open_page(page: Page, server_url: str) -> None:
    """Load the page and wait until it has the problem and language lists."""
    page.goto(server_url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=15_000)


def code_box(page: Page) -> Locator:
    """The editor's text area (CodeMirror's contenteditable, labelled "Source code")."""
    return page.get_by_label("Source code")


def editor_text(page: Page) -> str:
    """The editor's whole text, as the page would send it."""
    text: str = page.locator("#code").evaluate("(host) => host.editor.value")
    return text


def set_code(page: Page, code: str) -> None:
    """Replace the editor's text as a person pasting it would."""
    box = code_box(page)
    box.fill(code)
    expect(box).to_be_focused()
    assert editor_text(page) == code


def prepare(page: Page, problem: str, language: str, code: str) -> None:
    """Choose a problem and a language and type the code."""
    page.get_by_label("Problem").select_option(problem)
    page.get_by_label("Language").select_option(language)
    set_code(page, code)


def problem_info(server_url: str, name: str) -> dict[str, Any]:
    """GET /problems/{name} from the server itself."""
    response = httpx.get(f"{server_url}/problems/{name}", timeout=10)
    response.raise_for_status()
    info: dict[str, Any] = response.json()
    return info


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
        }"""
    )
    return found
