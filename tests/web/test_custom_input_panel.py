"""The "Run on custom input" panel in Chromium, against a real `judgebox serve` (issue 14)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
from page_actions import APLUSB_OK, axe_violations, open_page, prepare
from playwright.sync_api import Page, expect
from test_page import SLEEPER, cancelled

Screenshot = Callable[..., Path]
SUBTRACTS = "a,b=map(int,input().split());print(a-b)"


def test_a_sample_prefills_and_the_reference_judges_the_input(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", SUBTRACTS)
    page.get_by_text("Run on custom input").click()
    page.get_by_role("button", name="Use sample/1").click()
    box = page.get_by_label("Input", exact=True)
    expect(box).to_have_value("1 2\n")
    box.fill("20 22\n")
    page.get_by_role("button", name="Run on this input").click()
    status = page.locator("#custom-status")
    expect(status).to_have_attribute("data-verdict", "WA", timeout=60_000)
    output = page.locator("#custom-output")
    expect(output).to_contain_text("Judged against submissions/accepted/aplusb.cpp")
    expect(output).to_contain_text("42")  # the reference's output
    expect(output).to_contain_text("-2")  # the program's
    # The checker's own position against the reference's output, its token marked.
    expect(output).to_contain_text("The checker: line 1, token 1")
    expect(output.get_by_label("Your output").locator("mark")).to_have_text("-2")
    assert axe_violations(page) == []
    screenshot(page, "wrong")

    prepare(page, "aplusb", "python3", APLUSB_OK)
    box.fill("1 two\n")
    page.get_by_role("button", name="Run on this input").click()
    expect(status).to_have_attribute("data-verdict", "RAN", timeout=60_000)
    expect(status).to_contain_text("ran, no verdict")
    expect(output).to_contain_text("input_validators/validate.py rejected this input")
    screenshot(page, "rejected")


def test_cancel_stops_the_run_on_the_server(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    before = cancelled(server_url, "delete")
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", SLEEPER)
    page.get_by_text("Run on custom input").click()
    page.get_by_label("Input", exact=True).fill("1 2\n")
    run = page.get_by_role("button", name="Run on this input")
    run.click()
    expect(run).to_be_disabled()
    time.sleep(1.0)  # compiled and running (the program sleeps 30 s)
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.locator("#custom-status")).to_have_text("Cancelled.", timeout=15_000)
    expect(run).to_be_enabled()
    screenshot(page, "cancelled")
    deadline = time.monotonic() + 10
    while cancelled(server_url, "delete") < before + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert cancelled(server_url, "delete") == before + 1
    assert httpx.get(f"{server_url}/healthz", timeout=10).status_code == 200
