"""Results and statements of issue 15 in Chromium against a real `judgebox serve`: a scoring
problem's groups and score, the checker's own diff position, a LaTeX statement, and
interaction samples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from page_actions import open_page, prepare
from playwright.sync_api import Page, expect

Screenshot = Callable[..., Path]
# Right on the easy group, one too high on the hard one (half its points).
DOUBLE_HALF = "n = int(input())\nprint(2 * n + (1 if n >= 100 else 0))\n"


def test_scoring_problem_shows_groups_with_scores_and_the_total(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    prepare(page, "doubleit", "python3", DOUBLE_HALF)
    page.get_by_role("button", name="Validate with dataset").click()
    summary = page.locator("#run-summary")
    expect(summary).to_contain_text("Score: 70 / 100", timeout=90_000)
    groups = page.locator("#case-rows tr.group")
    expect(groups).to_have_count(4)
    names = [groups.nth(i).get_attribute("data-group") for i in range(4)]
    assert names == ["sample", "secret/1_easy", "secret/2_hard", "secret"]
    easy = page.locator("#case-rows tr.group[data-group='secret/1_easy']")
    expect(easy.locator(".group-score")).to_have_text("40 / 40")
    hard = page.locator("#case-rows tr.group[data-group='secret/2_hard']")
    expect(hard.locator(".group-score")).to_have_text("30 / 60")
    expect(page.locator("#case-rows tr.group[data-group='sample'] .group-score")).to_have_text(
        "not scored"
    )
    # Each group's row follows its last case; the whole of secret comes last.
    order = page.locator("#case-rows > tr.case, #case-rows > tr.group").evaluate_all(
        "(rows) => rows.map((r) => r.dataset.group ? `group ${r.dataset.group}` : r.dataset.name)"
    )
    assert order == [
        "sample/1", "sample/2", "group sample",
        "secret/1_easy/1", "secret/1_easy/2", "group secret/1_easy",
        "secret/2_hard/1", "secret/2_hard/2", "group secret/2_hard",
        "group secret",
    ]  # fmt: skip
    expect(page.locator("#case-rows tr.case[data-name='secret/2_hard/1'] .case-score")).to_have_text(
        "score 15"
    )
    screenshot(page)
    # A reload draws the finished run again, groups included, in the same order.
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=15_000)
    expect(summary).to_contain_text("Score: 70 / 100")
    expect(groups).to_have_count(4)
    again = page.locator("#case-rows > tr.case, #case-rows > tr.group").evaluate_all(
        "(rows) => rows.map((r) => r.dataset.group ? `group ${r.dataset.group}` : r.dataset.name)"
    )
    assert again == order
    screenshot(page, "reloaded")
