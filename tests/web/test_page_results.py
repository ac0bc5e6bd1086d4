"""Results and statements of issue 15 in Chromium against a real `judgebox serve`: a scoring
problem's groups and score, the checker's own diff position, a LaTeX statement (plasTeX
on the server), the statement language picker, and interaction samples."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from page_actions import axe_violations, open_page, prepare
from playwright.sync_api import Browser, Page, expect

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
        "sample/1", "group sample",
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
    assert axe_violations(page) == []
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
    assert axe_violations(page) == []
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


def test_latex_statement_renders_with_math(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    # hypotenuse: problem_statement/problem.en.tex, converted by plasTeX on the server.
    open_page(page, server_url)
    page.get_by_label("Problem").select_option("hypotenuse")
    statement = page.locator("#statement")
    expect(statement.get_by_role("heading", name="Input")).to_be_visible()
    expect(statement.get_by_role("heading", name="Output")).to_be_visible()
    expect(statement).to_have_attribute("data-math", "drawn", timeout=15_000)
    expect(statement.locator(".katex").first).to_be_visible()
    expect(statement.locator(".katex-display")).to_have_count(1)  # \[ c = \sqrt{a^2 + b^2}. \]
    assert statement.locator(".math-error").count() == 0
    text = statement.inner_text()
    for raw in ("\\section", "\\sqrt", "\\emph", "\\begin", "\\item", "\\illustration", "$"):
        assert raw not in text, raw
    expect(statement.locator("em")).to_have_text("hypotenuse")
    expect(statement.locator("ul > li")).to_have_count(2)
    expect(statement.locator("code")).to_have_text('printf("%.10f")')
    # The tabular, its math typeset too; the illustration from the statement folder, loaded.
    table = statement.locator("table.statement-table")
    expect(table.locator("tr")).to_have_count(3)
    expect(table.locator("tr").first.locator(".katex")).to_have_count(3)
    # The rules its author wrote (\hline under the header and at the end, | between
    # columns), not a grid: no rule between the two rows of triangles; figures right-aligned.
    edges = table.evaluate(
        """t => [...t.rows].map(r => [...r.cells].map(c => {
            const s = getComputedStyle(c);
            return [s.borderTopStyle, s.borderBottomStyle, s.borderLeftStyle,
                    s.borderRightStyle, s.textAlign];
        }))"""
    )
    assert [row[0][0] for row in edges] == ["solid", "solid", "none"]
    assert [row[0][1] for row in edges] == ["none", "none", "solid"]
    assert [[cell[2] for cell in row] for row in edges] == [["solid", "none", "none"]] * 3
    assert all(cell[3] == "solid" and cell[4] == "right" for row in edges for cell in row)
    image = statement.locator("figure img")
    expect(image).to_have_attribute("src", "/problems/hypotenuse/statement-files/triangle.png")
    page.wait_for_function(
        "() => document.querySelector('#statement figure img')?.naturalWidth === 120"
    )
    expect(statement.locator("figcaption")).to_contain_text("A right triangle with legs")
    expect(page.locator("#statement-note")).to_be_hidden()
    assert axe_violations(page) == []
    screenshot(page)


def test_statement_language_picker_is_remembered(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    picker = page.get_by_label("Statement in")
    page.get_by_label("Problem").select_option("aplusb")  # one language: no picker
    expect(page.locator("#statement h3").first).to_be_visible()
    expect(picker).to_be_hidden()
    page.get_by_label("Problem").select_option("hypotenuse")  # problem.en.tex + problem.sv.tex
    statement = page.locator("#statement")
    expect(statement.get_by_role("heading", name="Input")).to_be_visible()
    expect(picker).to_be_visible()
    expect(picker.locator("option")).to_have_text(["English (en)", "Svenska (sv)"])
    expect(picker).to_have_value("en")
    # By keyboard: focus the picker and choose the next language.
    picker.focus()
    picker.press("ArrowDown")
    expect(picker).to_have_value("sv")
    expect(statement.get_by_role("heading", name="Indata")).to_be_visible()
    expect(statement).to_have_attribute("data-math", "drawn", timeout=15_000)
    expect(statement.locator(".katex-display")).to_have_count(1)
    assert axe_violations(page) == []
    screenshot(page, "swedish")
    # Remembered: a reload shows the Swedish statement again.
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=15_000)
    expect(page.get_by_label("Problem")).to_have_value("hypotenuse")
    expect(statement.get_by_role("heading", name="Utdata")).to_be_visible()
    expect(picker).to_have_value("sv")
    # A problem without Swedish falls back to its own language, without a picker.
    page.get_by_label("Problem").select_option("aplusb")
    expect(picker).to_be_hidden()
    expect(statement).to_contain_text("Read two integers")


def test_interactive_samples_show_as_a_dialogue(
    page: Page, server_url: str, screenshot: Screenshot
) -> None:
    open_page(page, server_url)
    page.get_by_label("Problem").select_option("guess")
    dialogue = page.get_by_label("Interaction of sample/1")
    expect(dialogue).to_be_visible()
    turns = dialogue.locator("li")
    expect(turns.first).to_have_class(re.compile(r"\bturn-program\b"))
    expect(turns.first.locator(".turn-text")).to_have_text("500000000")
    expect(turns.nth(1)).to_have_class(re.compile(r"\bturn-judge\b"))
    expect(turns.nth(1).locator(".turn-text")).to_have_text("lower")
    expect(turns.last.locator(".turn-text")).to_have_text("correct")
    assert axe_violations(page) == []
    # sample/2 has no .interaction file: its input and answer as usual.
    expect(page.locator("#samples").get_by_text("sample/2", exact=True)).to_be_visible()
    screenshot(page)


def test_closing_the_tab_cancels_its_run(
    browser: Browser, server_url: str, screenshot: Screenshot
) -> None:
    """The page starts runs with cancelWhenUnwatched: a closed tab's run stops within the
    server's grace (10 s by default), not at the run time cap."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    open_page(page, server_url)
    prepare(page, "aplusb", "python3", "import time\ntime.sleep(30)\n")
    with page.expect_response(
        lambda r: r.url.endswith("/runs") and r.request.method == "POST"
    ) as created:
        page.get_by_role("button", name="Validate with dataset").click()
    assert json.loads(created.value.request.post_data or "{}")["cancelWhenUnwatched"] is True
    run_id = created.value.json()["runId"]
    expect(page.get_by_role("button", name="Cancel validation")).to_be_enabled()
    screenshot(page, "running")
    context.close()
    deadline = time.monotonic() + 60
    status = ""
    while time.monotonic() < deadline:
        status = httpx.get(f"{server_url}/runs/{run_id}", timeout=10).json()["status"]
        if status != "running" and status != "queued":
            break
        time.sleep(0.5)
    assert status == "cancelled"
    log = Path(__file__).resolve().parents[2] / "test-artifacts" / "web" / "server.log"
    assert f"run {run_id} cancelled: no client followed it for 10 s" in log.read_text()
