"""LaTeX statements in Chromium against a real `judgebox serve` whose packages have them
(tests/support/statement_packages.py): converted by plasTeX on the server, math by KaTeX,
the image from the statement folder, nothing of the hostile bits run; a statement the
converter cannot read is said so, with its source shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from page_actions import axe_violations, open_page
from playwright.sync_api import Page, expect

Screenshot = Callable[..., Path]


def test_latex_statement_shows_math_image_list_and_table(
    page: Page, statements_server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, statements_server_url)
    page.get_by_label("Problem").select_option("squares")
    statement = page.locator("#statement")
    expect(statement.get_by_role("heading", name="Input")).to_be_visible()
    expect(statement).to_have_attribute("data-math", "drawn", timeout=15_000)
    expect(statement.locator(".math-inline .katex").first).to_be_visible()
    expect(statement.locator(".math-display .katex-display")).to_have_count(1)
    assert statement.locator(".math-error").count() == 0
    expect(statement.locator("ul > li")).to_have_count(2)
    expect(statement.locator("table tr")).to_have_count(3)
    image = statement.locator("figure img")
    expect(image).to_have_attribute("src", "/problems/squares/statement-files/picture.png")
    page.wait_for_function(
        "() => document.querySelector('#statement figure img')?.naturalWidth === 40"
    )
    # The other images had no statement file: no src, nothing fetched from elsewhere.
    expect(statement.locator("img[src]")).to_have_count(1)
    assert page.evaluate("window.pwned") is None
    text = statement.inner_text()
    assert "<script>" in text  # the statement's raw HTML is shown as text
    for raw in ("\\section", "\\begin", "\\item", "\\sum", "$"):
        assert raw not in text, raw
    expect(page.locator("#statement-note")).to_be_hidden()
    assert axe_violations(page) == []
    screenshot(page)


def test_a_statement_the_converter_cannot_read_is_shown_as_source(
    page: Page, statements_server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, statements_server_url)
    page.get_by_label("Problem").select_option("brokentex")
    note = page.locator("#statement-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("could not be converted")
    expect(note).to_contain_text("plasTeX")
    source = page.locator("#statement pre.statement-text")
    expect(source).to_contain_text("\\problemname{Broken}")
    # Another problem clears the note.
    page.get_by_label("Problem").select_option("squares")
    expect(note).to_be_hidden()
    page.get_by_label("Problem").select_option("brokentex")
    expect(note).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page)
