"""The page against a real `judgebox serve`, in Chromium: stream, diff, compile error, cancel."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from page_actions import APLUSB_OK, code_box, open_page, prepare, problem_info, set_code
from playwright.sync_api import Page, expect

APLUSB_OFF_BY_ONE = "a,b=map(int,input().split());print(a+b+1)"
SLEEPER = "import time; time.sleep(30)"
CPP_BROKEN = "int main() {\n    return undefined_name;\n}\n"
CANCELLED_METRIC = r'^judgebox_runs_cancelled_total\{{[^}}]*reason="{}"[^}}]*\}}\s+([0-9.e+]+)\s*$'

Screenshot = Callable[..., Path]


def cancelled(server_url: str, reason: str) -> float:
    """The server's count of runs cancelled for `reason` ("delete": DELETE /runs/{id})."""
    text = httpx.get(f"{server_url}/metrics", timeout=10).text
    match = re.search(CANCELLED_METRIC.format(reason), text, re.M)
    return float(match.group(1)) if match else 0.0


def test_accepted_run_streams_every_case_and_the_summary(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    total = problem_info(server_url, "aplusb")["totalCases"]
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", APLUSB_OK)
    # Record, in the page, when each row and the summary appear.
    page.evaluate(
        """() => {
          window.arrivals = [];
          new MutationObserver(() => {
            const rows = document.querySelectorAll("#case-rows tr.case").length;
            const last = window.arrivals[window.arrivals.length - 1];
            if (!last || last.rows !== rows) window.arrivals.push({ rows, t: performance.now() });
          }).observe(document.getElementById("case-rows"), { childList: true });
        }"""
    )
    page.get_by_role("button", name="Validate with dataset").click()
    expect(page.get_by_role("button", name="Cancel validation")).to_be_enabled()

    summary = page.locator("#run-summary")
    expect(summary).to_be_visible(timeout=60_000)
    expect(summary).to_contain_text(
        f"Accepted: {total} passed, 0 failed, 0 skipped of {total} cases"
    )
    rows = page.locator("#case-rows tr.case")
    expect(rows).to_have_count(total)
    assert [rows.nth(i).get_attribute("data-index") for i in range(total)] == [
        str(i) for i in range(1, total + 1)
    ]
    for i in range(total):
        expect(rows.nth(i).locator(".case-verdict")).to_have_text("AC")
        # Time and peak memory, each against the problem's limit.
        expect(rows.nth(i).locator("td").nth(3)).to_have_text(re.compile(r"^\d+ ms / [\d.]+ s$"))
        expect(rows.nth(i).locator("td").nth(4)).to_have_text(
            re.compile(r"^[\d.]+ (KiB|MiB) / [\d.]+ MiB$")
        )
    expect(summary).to_contain_text(re.compile(r"Peak: \d+ ms / [\d.]+ s CPU time, [\d.]+ MiB"))
    expect(page.locator("#progress-label")).to_have_text(f"{total} / {total}")
    expect(page.get_by_role("status").first).to_contain_text("Done. Accepted")
    # Rows appeared while the run went on (several steps, always growing), not all at the end.
    # (Cases that arrive in one network chunk are drawn in one step.)
    steps = [a["rows"] for a in page.evaluate("window.arrivals")]
    assert len(steps) >= 2 and steps[0] < total and steps[-1] == total
    assert steps == sorted(set(steps))
    expect(page.get_by_role("button", name="Validate with dataset")).to_be_enabled()
    expect(page.get_by_role("button", name="Cancel validation")).to_be_disabled()
    screenshot(page)


def test_wrong_answer_on_a_sample_shows_expected_and_got_with_the_difference(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    sample = problem_info(server_url, "aplusb")["samples"][0]
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", APLUSB_OFF_BY_ONE)
    page.get_by_role("button", name="Validate with dataset").click()
    expect(page.locator("#run-summary")).to_contain_text("Wrong answer", timeout=60_000)

    row = page.locator("#case-rows tr.case", has_text=sample["name"]).first
    expect(row.locator(".case-verdict")).to_have_text("WA")
    detail = page.locator(f"#case-detail-{row.get_attribute('data-index')}")
    expect(detail).to_be_visible()
    a, b = (int(x) for x in sample["input"].split())
    got = f"{a + b + 1}\n"
    # The checker's own position: the first token, marked whole on both sides.
    expect(detail.locator(".diff-note")).to_contain_text("The checker: line 1, token 1")
    expect(detail.get_by_label("Expected output")).to_have_text(sample["answer"])
    expect(detail.get_by_label("Your output")).to_have_text(got)
    expect(detail.locator("mark.first-diff")).to_have_count(2)
    expect(detail.get_by_label("Your output").locator("mark")).to_have_text(got.strip())
    # The toggle hides and shows the comparison.
    index = row.get_attribute("data-index")
    row.get_by_role("button", name=f"Hide diff of case {index}").click()
    expect(detail).to_be_hidden()
    row.get_by_role("button", name=f"Show diff of case {index}").click()
    expect(detail).to_be_visible()
    screenshot(page)


def test_compile_error_shows_the_compiler_output(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    prepare(page, "aplusb", "cpp", CPP_BROKEN)
    page.get_by_role("button", name="Validate with dataset").click()
    expect(page.locator("#run-summary")).to_contain_text("Compile error", timeout=60_000)
    compile_output = page.locator("#compile-output")
    expect(compile_output).to_be_visible()
    expect(compile_output).to_have_attribute("open", "")
    expect(compile_output.locator("pre")).to_contain_text("undefined_name")
    expect(page.locator("#case-rows tr.case.verdict-row-AC")).to_have_count(0)
    expect(page.get_by_role("button", name="Validate with dataset")).to_be_enabled()
    screenshot(page)


def test_cancel_in_the_middle_of_a_case_kills_it_on_the_server(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    before = cancelled(server_url, "delete")
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", SLEEPER)
    validate = page.get_by_role("button", name="Validate with dataset")
    cancel = page.get_by_role("button", name="Cancel validation")
    expect(cancel).to_be_disabled()
    validate.click()
    # Compiled, first case running, no result yet: cancel now.
    expect(page.locator("#run-status")).to_contain_text("Running case 1 of", timeout=30_000)
    expect(page.locator("#case-rows tr.case")).to_have_count(0)
    expect(validate).to_be_disabled()
    screenshot(page, "running")
    cancel.click()

    expect(page.locator("#run-status")).to_have_text("Cancelled by user")
    expect(validate).to_be_enabled()
    expect(validate).to_be_focused()  # the focus did not fall off the disabled Cancel
    expect(cancel).to_be_disabled()
    expect(page.locator("#run-error")).to_be_hidden()
    expect(page.locator("#run-summary")).to_be_hidden()
    expect(page.locator("#case-rows tr.case")).to_have_count(0)
    screenshot(page)

    # The page sent DELETE /runs/{id}: the server stopped the run (and counted it once).
    deadline = time.monotonic() + 10
    while cancelled(server_url, "delete") < before + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert cancelled(server_url, "delete") == before + 1
    run_id = page.evaluate("JSON.parse(localStorage.getItem('judgebox:runs'))[0].runId")
    assert httpx.get(f"{server_url}/runs/{run_id}", timeout=10).json()["status"] == "cancelled"


def test_server_error_is_shown_as_an_error_not_as_a_cancel(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", APLUSB_OK)
    # A language id the server does not offer: it answers 422 with a JSON error.
    page.evaluate(
        """() => {
          const select = document.getElementById("language-select");
          select.append(new Option("COBOL", "cobol-85"));
          select.value = "cobol-85";
        }"""
    )
    page.get_by_role("button", name="Validate with dataset").click()
    alert = page.locator("#run-error")
    expect(alert).to_be_visible(timeout=30_000)
    expect(alert).to_contain_text("Server error 422")
    expect(page.locator("#run-status")).not_to_contain_text("Cancelled")
    expect(page.get_by_role("button", name="Validate with dataset")).to_be_enabled()
    expect(page.get_by_role("button", name="Cancel validation")).to_be_disabled()
    screenshot(page)


def test_network_failure_is_shown_as_a_network_error(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", APLUSB_OK)
    page.route("**/runs", lambda route: route.abort("connectionrefused"))
    page.get_by_role("button", name="Validate with dataset").click()
    expect(page.locator("#run-error")).to_contain_text("Network error")
    expect(page.locator("#run-status")).not_to_contain_text("Cancelled")
    expect(page.get_by_role("button", name="Validate with dataset")).to_be_enabled()
    screenshot(page)


def test_ctrl_enter_validates_and_the_problem_shows_statement_and_samples(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    info = problem_info(server_url, "aplusb")
    open_page(page, server_url)
    page.get_by_label("Problem").select_option("aplusb")
    expect(page.locator("#problem-title")).to_have_text(info["title"] or info["name"])
    expect(page.locator("#samples .sample")).to_have_count(len(info["samples"]))
    expect(page.locator("#samples .sample pre").first).to_have_text(info["samples"][0]["input"])
    if info["statement"]:
        expect(page.locator("#statement")).not_to_be_empty()
    page.get_by_label("Language").select_option("python3")
    set_code(page, APLUSB_OK)
    code_box(page).press("Control+Enter")
    expect(page.locator("#run-summary")).to_contain_text("Accepted", timeout=60_000)
    screenshot(page)
