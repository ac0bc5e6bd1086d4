"""The code editor's keys and memory, and the page at a phone's width, in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from page_actions import APLUSB_OK, code_box, editor_text, open_page, prepare, set_code
from playwright.sync_api import Browser, Page, expect

Screenshot = Callable[..., Path]


def test_editor_indents_keeps_indentation_numbers_lines_and_remembers_code(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", "")
    code = code_box(page)
    code.focus()
    code.press_sequentially("def f(x):")
    code.press("Enter")
    code.press_sequentially("if x:")
    code.press("Enter")
    code.press_sequentially("return 1")
    code.press("Enter")
    code.press("Shift+Tab")
    code.press_sequentially("return 2")
    code.press("Enter")
    code.press("Tab")
    code.press_sequentially("# tab")
    expected = "def f(x):\n    if x:\n        return 1\n    return 2\n        # tab"
    assert editor_text(page) == expected
    expect(code).to_be_focused()  # Tab indented instead of leaving the editor
    expect(page.locator("#code .cm-lineNumbers .cm-gutterElement")).to_have_text(
        ["9", "1", "2", "3", "4", "5"]  # CodeMirror's first one only sizes the gutter
    )

    # Esc then Tab leaves the editor (no keyboard trap).
    code.press("Escape")
    code.press("Tab")
    expect(code).not_to_be_focused()

    # Selected lines are indented together; Shift+Tab takes it back.
    set_code(page, "a\nb\nc")
    code.press("Control+a")
    code.press("Tab")
    assert editor_text(page) == "    a\n    b\n    c"
    code.press("Shift+Tab")
    assert editor_text(page) == "a\nb\nc"

    # Brackets close and match; Ctrl+F opens the search panel.
    set_code(page, "")
    code.press_sequentially("print(")
    assert editor_text(page) == "print()"
    expect(page.locator("#code .cm-matchingBracket")).to_have_count(2)
    code.press("Control+f")
    expect(page.locator("#code .cm-search")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#code .cm-search")).to_have_count(0)

    # Code is remembered per problem and language, across a reload.
    set_code(page, APLUSB_OK)
    page.get_by_label("Language").select_option("cpp")
    expect(page.locator("#code")).to_have_attribute("data-language", "cpp")
    assert editor_text(page) != APLUSB_OK and "int main()" in editor_text(page)
    set_code(page, "int main() { return 0; }")
    page.wait_for_timeout(400)  # the editor saves 300 ms after the last key
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.get_by_label("Language")).to_have_value("cpp")
    assert editor_text(page) == "int main() { return 0; }"
    page.get_by_label("Language").select_option("python3")
    assert editor_text(page) == APLUSB_OK
    screenshot(page)


def test_phone_width_keeps_everything_usable(
    browser: Browser, server_url: str, screenshot: Screenshot
) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        open_page(page, server_url)
        prepare(page, "aplusb", "python3", APLUSB_OK)
        validate = page.get_by_role("button", name="Validate with dataset")
        validate.click()
        expect(page.locator("#run-summary")).to_contain_text("Accepted", timeout=60_000)
        # Nothing sticks out sideways; the buttons are inside the screen and big enough.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for name in ("Validate with dataset", "Cancel validation"):
            box = page.get_by_role("button", name=name).bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375
            assert box["height"] >= 40
        screenshot(page)
    finally:
        context.close()
