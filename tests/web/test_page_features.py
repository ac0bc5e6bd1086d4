"""The page's libraries and flows against a real `judgebox serve`, in Chromium: highlighting,
statement math and images, result rows, re-attaching after a reload, keyboard, dark, axe."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from page_actions import (
    APLUSB_OK,
    axe_violations,
    code_box,
    editor_text,
    open_page,
    prepare,
    problem_info,
)
from playwright.sync_api import Browser, Page, expect

from judgebox.server.statement_view import statement_file

Screenshot = Callable[..., Path]
RTE = "import sys\nsys.exit(1)\n"
SLOW_OK = "import time\ntime.sleep(0.15)\na, b = map(int, input().split())\nprint(a + b)\n"
CPP_OK = (
    "#include <iostream>\nint main() { long long a, b; std::cin >> a >> b; std::cout << a + b; }\n"
)


@pytest.mark.parametrize(
    ("language", "code", "keyword"),
    [("cpp", CPP_OK, "int"), ("python3", SLOW_OK, "import")],
    ids=["cpp", "python3"],
)
def test_editor_highlights_the_chosen_language(
    page: Page, server_url: str, screenshot: Screenshot, language: str, code: str, keyword: str
) -> None:
    open_page(page, server_url)
    prepare(page, "aplusb", language, code)
    expect(page.locator("#code")).to_have_attribute("data-language", language)
    tokens = page.locator("#code .cm-content [class^='tok-'], #code .cm-content [class*=' tok-']")
    expect(tokens.first).to_be_visible()
    kinds = set(page.locator("#code .cm-content span[class*='tok-']").evaluate_all(
        "(spans) => spans.flatMap((s) => [...s.classList].filter((c) => c.startsWith('tok-')))"
    ))  # fmt: skip
    assert "tok-keyword" in kinds or "tok-typeName" in kinds
    assert page.locator("#code .cm-content span[class*='tok-']", has_text=keyword).count() >= 1
    # The picker shows each language's version from GET /languages.
    languages = httpx.get(f"{server_url}/languages", timeout=10).json()
    chosen = next(x for x in languages if x["id"] == language)
    selected = page.get_by_label("Language").locator("option:checked")
    if chosen["version"]:
        expect(selected).to_contain_text(chosen["version"])
    screenshot(page)


def test_starter_code_fits_the_language(page: Page, server_url: str) -> None:
    open_page(page, server_url)
    page.get_by_label("Problem").select_option("aplusb")
    page.get_by_label("Language").select_option("cpp")
    assert "int main()" in editor_text(page)
    page.get_by_label("Language").select_option("python3")
    assert "sys.stdin" in editor_text(page)


def test_statement_renders_math_and_its_image(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    page.get_by_label("Problem").select_option("aplusb")
    statement = page.locator("#statement")
    expect(page.locator("#problem-title")).to_have_text("A Plus B")
    # Not the first .katex seen: that may still be the previous problem's statement.
    expect(statement).to_have_attribute("data-math", "drawn", timeout=15_000)
    expect(statement.locator(".katex").first).to_be_visible()
    # $0 \le n \le 10^{18}$ is typeset, not shown as typed.
    assert "\\le" not in statement.inner_text()
    expect(statement.locator(".katex-display")).to_have_count(1)
    assert statement.locator(".math-error").count() == 0
    image = statement.get_by_role("img", name="Two integers added together")
    expect(image).to_have_attribute("src", "/problems/aplusb/statement-files/sum.svg")
    page.wait_for_function(
        "() => document.querySelector('#statement img').naturalWidth > 0", timeout=10_000
    )
    screenshot(page)


def test_statement_files_stay_inside_the_statement_folder(server_url: str, tmp_path: Path) -> None:
    ok = httpx.get(f"{server_url}/problems/aplusb/statement-files/sum.svg", timeout=10)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in ok.headers["content-security-policy"]
    for bad in ("../problem.yaml", "%2e%2e/problem.yaml", "problem.en.md", "nope.png", ".x.png"):
        answer = httpx.get(f"{server_url}/problems/aplusb/statement-files/{bad}", timeout=10)
        assert answer.status_code == 404, bad
    # Symlinks never lead out of the folder, whatever they point at.
    folder = tmp_path / "p" / "problem_statement"
    folder.mkdir(parents=True)
    (folder / "in.png").write_bytes(b"png")
    (tmp_path / "outside.png").write_bytes(b"secret")
    (folder / "link.png").symlink_to(tmp_path / "outside.png")
    (folder / "dir").symlink_to(tmp_path)
    assert statement_file(tmp_path / "p", "in.png") == folder / "in.png"
    assert statement_file(tmp_path / "p", "link.png") is None
    assert statement_file(tmp_path / "p", "dir/outside.png") is None
    assert statement_file(tmp_path / "p", "../outside.png") is None


def test_runtime_error_row_says_the_exit_code_once(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", RTE)
    page.get_by_role("button", name="Validate with dataset").click()
    expect(page.locator("#run-summary")).to_contain_text("Run-time error", timeout=60_000)
    row = page.locator("#case-rows tr.case").first
    expect(row.locator(".case-verdict")).to_have_text("RTE")
    name_cell = row.locator(".case-name").inner_text()
    assert name_cell.count("exit code 1") == 1, name_cell
    screenshot(page)


def test_reload_during_a_run_reattaches_and_the_run_finishes(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    total = problem_info(server_url, "aplusb")["totalCases"]
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", SLOW_OK)
    page.get_by_role("button", name="Validate with dataset").click()
    expect(page.locator("#case-rows tr.case").first).to_be_visible(timeout=30_000)
    assert page.locator("#run-summary").is_hidden()  # still running
    resumed: list[dict[str, str]] = []
    page.on(
        "request",
        lambda r: resumed.append(r.headers) if re.search(r"/runs/\w+/events$", r.url) else None,
    )
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=15_000)
    # The cases judged before the reload are back at once; the rest stream in.
    expect(page.get_by_role("button", name="Cancel validation")).to_be_enabled()
    assert page.locator("#case-rows tr.case").count() >= 1
    screenshot(page, "reattached")
    summary = page.locator("#run-summary")
    expect(summary).to_contain_text(f"skipped of {total} cases", timeout=90_000)
    rows = page.locator("#case-rows tr.case")
    expect(rows).to_have_count(total)  # no case drawn twice
    assert [rows.nth(i).get_attribute("data-index") for i in range(total)] == [
        str(i) for i in range(1, total + 1)
    ]
    assert resumed and int(resumed[0].get("last-event-id", "0")) >= 3  # start, compile, a case
    screenshot(page)

    # A finished run is shown again after a reload, and listed in the history.
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=15_000)
    expect(summary).to_contain_text(f"skipped of {total} cases")
    expect(rows).to_have_count(total)
    expect(page.get_by_role("button", name="Validate with dataset")).to_be_enabled()
    expect(page.locator("#history li")).to_have_count(1)
    expect(page.locator("#history li")).to_contain_text("aplusb · python3 · ")


def test_keyboard_only_flow(page: Page, server_url: str, screenshot: Screenshot) -> None:
    open_page(page, server_url)

    def tab_to(selector: str, key: str = "Tab") -> None:
        for _ in range(40):
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
            page.keyboard.press(key)
        raise AssertionError(f"{key} never reached {selector}")

    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(code_box(page)).to_be_focused()
    # In the editor Tab indents; Esc then Tab leaves it (here backwards, to the pickers).
    page.keyboard.press("Escape")
    tab_to("#language-select", "Shift+Tab")
    tab_to("#problem-select", "Shift+Tab")
    for _ in range(10):
        if page.get_by_label("Problem").input_value() == "aplusb":
            break
        page.keyboard.press("ArrowDown")
    assert page.get_by_label("Problem").input_value() == "aplusb"
    tab_to("#language-select")
    for _ in range(20):
        if page.get_by_label("Language").input_value() == "python3":
            break
        page.keyboard.press("ArrowDown")
    assert page.get_by_label("Language").input_value() == "python3"
    tab_to(".cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.type(APLUSB_OK)
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("button", name="Cancel validation")).to_be_enabled()
    expect(page.locator("#run-summary")).to_contain_text("Accepted", timeout=60_000)
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Validate with dataset")).to_be_focused()
    screenshot(page)


def test_axe_finds_nothing_serious_light_dark_and_phone(
    browser: Browser, server_url: str, screenshot: Screenshot
) -> None:
    for scheme, width in (("light", 1280), ("dark", 1280), ("dark", 375)):
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            color_scheme=scheme,  # type: ignore[arg-type]
        )
        try:
            page = context.new_page()
            open_page(page, server_url)
            prepare(page, "aplusb", "python3", "a,b=map(int,input().split());print(a+b+1)")
            expect(page.locator("#statement .katex").first).to_be_visible()
            page.get_by_role("button", name="Validate with dataset").click()
            expect(page.locator("#run-summary")).to_contain_text("Wrong answer", timeout=60_000)
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            channels = [int(x) for x in re.findall(r"\d+", background)[:3]]
            assert (sum(channels) < 200) == (scheme == "dark"), background
            if width < 400:
                assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert axe_violations(page) == []
            screenshot(page, f"{scheme}-{width}")
        finally:
            context.close()


def test_missing_bundle_gives_a_page_that_says_run_setup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from judgebox.server import catalog_routes

    monkeypatch.setattr(catalog_routes, "BUNDLE", tmp_path / "dist" / "app.js")
    with caplog.at_level("ERROR"), ThreadPoolExecutor(1) as thread:
        # Its own thread: Playwright's event loop runs in this one.
        answer = thread.submit(asyncio.run, catalog_routes.index()).result()
    assert answer.status_code == 503
    assert b"scripts/setup.sh" in answer.body
    assert "run scripts/setup.sh" in caplog.text
