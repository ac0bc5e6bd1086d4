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
    hard_case = page.locator("#case-rows tr.case[data-name='secret/2_hard/1']")
    expect(hard_case.locator(".case-score")).to_have_text("score 15")
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


# Sample 1 (1 2 -> 3): "   3", accepted (the checker ignores whitespace); sample 2
# (-5 100000000000 -> 99999999995): "   99999999996", one wrong token after spaces.
SPACED = "a, b = map(int, input().split())\nprint('  ', a + b if a > 0 else a + b + 1)\n"


def test_diff_marks_the_checkers_token_and_nothing_on_accepted_cases(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", SPACED)
    page.get_by_role("button", name="Validate with dataset").click()
    expect(page.locator("#run-summary")).to_contain_text("Wrong answer", timeout=90_000)
    # The accepted sample: its output differs from the answer only in whitespace.
    page.get_by_role("button", name="Show diff of case 1").click()
    accepted = page.locator("#case-detail-1")
    expect(accepted).to_be_visible()
    expect(accepted.locator(".diff-note")).to_contain_text("checker does not look")
    expect(accepted.locator("mark")).to_have_count(0)
    # The wrong sample: the checker's token is marked, not the first differing character
    # (a space, where the answer starts with a digit).
    wrong = page.locator("#case-detail-2")
    expect(wrong).to_be_visible()
    expect(wrong.locator(".diff-note")).to_have_text(
        "The checker: line 1, token 1: the token differs from the expected one."
    )
    expect(wrong.get_by_label("Your output").locator("mark")).to_have_text("99999999996")
    expect(wrong.get_by_label("Expected output").locator("mark")).to_have_text("99999999995")
    screenshot(page)


def test_checker_spans_follow_lines_tokens_and_the_end(static_page: Page) -> None:
    spans = static_page.evaluate(
        """async () => {
          const { checkerSpans } = await import("/static/diff.js");
          const d = (kind, line, token, column) => ({ kind, line, token, column });
          return [
            checkerSpans("1 2\\n3 4\\n", "1 2\\n3  5\\n", d("differs", 2, 2, null)),
            checkerSpans("1\\n", "1\\n 7\\n", d("extra output", 2, 1, null)),
            checkerSpans("1 2\\n", "1\\n", d("ended early", 1, null, null)),
            checkerSpans("1\\n", "", d("the output is empty", null, null, null)),
            checkerSpans("1 2\\n", "1  2\\n", d("whitespace differs", 1, null, 3)),
          ];
        }"""
    )
    assert spans == [
        {"got": [7, 8], "expected": [6, 7]},
        {"got": [3, 4], "expected": [2, 2]},
        {"got": [2, 2], "expected": [2, 3]},
        {"got": [0, 0], "expected": [0, 1]},
        {"got": [2, 3], "expected": [2, 3]},
    ]
