"""LaTeX statements converted on the server (plasTeX in a child process) and sanitised (nh3),
statement languages, and a conversion that fails, through a real server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer, write_problems
from statement_packages import TEX, write_statement_packages

from judgebox.server import tex_statement
from judgebox.server.statement_html import sanitize_statement_html
from judgebox.server.tex_statement import CHILD, tex_to_html


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    problems = write_statement_packages(write_problems(tmp_path_factory.mktemp("problems")))
    live = LiveServer(tmp_path_factory.mktemp("server"), problems)
    try:
        live.wait_healthy()
        yield live
    finally:
        live.stop()


def test_latex_statement_arrives_as_sanitised_html_with_tex_math(server: LiveServer) -> None:
    detail = httpx.get(f"{server.url}/problems/squares", timeout=60).json()
    assert detail["statementFormat"] == "latex" and detail["statement"] == TEX
    assert detail["statementError"] is None
    assert (detail["statementLanguage"], detail["statementLanguages"]) == ("en", ["en", "sv"])
    html = detail["statementHtml"]
    assert "<h3>Input</h3>" in html and "<h3>Output</h3>" in html
    # Math stays TeX for the page's KaTeX; < is TeX's \lt, never markup.
    assert '<span class="math math-inline">0 \\le n {\\lt} 10^{18}</span>' in html
    assert '<div class="math math-display">' in html and "\\sum _{i=1}^{n} a_i^2" in html
    assert html.count("<li>") == 2 and "<b>numbers</b>" in html
    assert '<table class="tex-rules">' in html and html.count("<tr>") == 3 and "Points" in html
    # The tabular's rules and alignment as classes (the page draws them): \hline above the
    # first row, | on both sides of the l column, an r column.
    assert '<td class="rb-t rb-l rb-r al">' in html and '<td class="rb-t rb-r ar">' in html
    assert '<img src="picture.png" alt="A picture of n squares">' in html
    # Only that image keeps a src: not outside the folder, not on another host.
    assert html.count("<img") == 3 and html.count(' src="') == 1
    assert "evil.example" not in html and "outside" not in html
    hostname = Path("/etc/hostname").read_text().strip()
    assert hostname not in html  # \input read nothing
    # The statement's raw HTML is text (escaped by plasTeX), never markup.
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in html
    for bad in ("<script", "<img src=x", "style=", "id=", 'class="tabular', "problemname"):
        assert bad not in html, bad
    # The image it keeps is served from the statement folder.
    image = httpx.get(f"{server.url}/problems/squares/statement-files/picture.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_statement_language_is_chosen_and_falls_back(server: LiveServer) -> None:
    swedish = httpx.get(f"{server.url}/problems/squares?statementLanguage=sv", timeout=60).json()
    assert (swedish["statementLanguage"], swedish["statementFormat"]) == ("sv", "markdown")
    assert swedish["statement"].startswith("# Kvadrater")
    assert swedish["statementHtml"] is None and swedish["statementError"] is None
    unknown = httpx.get(f"{server.url}/problems/squares?statementLanguage=xx", timeout=60).json()
    assert (unknown["statementLanguage"], unknown["statementFormat"]) == ("en", "latex")
    plain = httpx.get(f"{server.url}/problems/aplusb?statementLanguage=sv").json()
    assert (plain["statementLanguage"], plain["statementLanguages"]) == ("en", ["en"])


def test_a_statement_the_converter_cannot_read_says_why(server: LiveServer) -> None:
    detail = httpx.get(f"{server.url}/problems/brokentex", timeout=60).json()
    assert detail["statementHtml"] is None
    assert detail["statementError"].startswith("the LaTeX converter (plasTeX) failed:")
    assert detail["statement"].startswith("\\problemname{Broken}")  # the source, to show


def test_the_sanitiser_strips_scripts_and_handlers_from_converter_output() -> None:
    converted = tex_to_html("\\section*{Sum} $a < b$ and \\textbf{bold}")
    assert converted.html is not None and converted.error is None
    # What a converter that let markup through would hand over, around its real output.
    hostile = (
        '<script>alert(1)</script><img src="x.png" onerror="alert(2)">'
        + converted.html
        + '<p onclick="alert(3)" style="position:fixed" id="run-status" class="topbar">p</p>'
        '<iframe src="https://evil.example/"></iframe><a href="javascript:alert(4)">a</a>'
        '<img src="https://evil.example/t.png"><style>body{display:none}</style>'
    )
    images = {"x.png"}
    clean = sanitize_statement_html(hostile, lambda src: src if src in images else None)
    for bad in ("<script", "alert", "onerror", "onclick", "style", "iframe", "href", "evil"):
        assert bad not in clean, bad
    assert "id=" not in clean and "topbar" not in clean
    assert clean.startswith('<img src="x.png">')
    assert "<h3>Sum</h3>" in clean and "<b>bold</b>" in clean
    assert '<span class="math math-inline">a {\\lt} b</span>' in clean
    assert "<p>p</p>" in clean and clean.endswith("<p>p</p>a<img>")


def test_a_statement_is_converted_once() -> None:
    text = "\\section*{Once} $x^2$"
    first = tex_to_html(text)
    assert first.html is not None
    assert tex_to_html(text) is first  # the cached result: no second child process


def test_a_conversion_is_kept_on_disk_for_the_next_start(tmp_path: Path) -> None:
    text = f"\\section*{{Kept}} $x^2$ % {time.time_ns()}"
    first = tex_to_html(text, tmp_path)
    kept = list((tmp_path / "statements").glob("*.json"))
    assert first.html is not None and len(kept) == 1
    assert json.loads(kept[0].read_text()) == {"html": first.html, "error": None}
    # A restarted server (nothing in memory) reads it instead of converting again.
    tex_statement.clear_cache()
    kept[0].write_text(json.dumps({"html": "<p>as kept</p>", "error": None}))
    assert tex_to_html(text, tmp_path).html == "<p>as kept</p>"
    # A file it cannot read is converted again, and rewritten.
    tex_statement.clear_cache()
    kept[0].write_text("{not json")
    assert tex_to_html(text, tmp_path).html == first.html
    assert json.loads(kept[0].read_text())["html"] == first.html


def test_the_converter_child_reads_no_host_file_and_starts_nothing(tmp_path: Path) -> None:
    # The child's guard, as it runs: whatever a statement's packages try, these fail.
    probe = f"""
import importlib.util, subprocess, sys
spec = importlib.util.spec_from_file_location("child", {str(CHILD)!r})
child = importlib.util.module_from_spec(spec)
spec.loader.exec_module(child)
child._guard_files()
import plasTeX.Packages.listings  # its own package files stay readable
open("mine.txt", "w").write("x")  # the working folder is its own
attempts = {{
    "read host file": lambda: open("/etc/hostname").read(),
    "read the problems": lambda: open({str(tmp_path / "secret.ans")!r}).read(),
    "write elsewhere": lambda: open({str(tmp_path / "out.txt")!r}, "w"),
    "start a process": lambda: subprocess.run(["true"]),
}}
for name, attempt in attempts.items():
    try:
        attempt()
        print(name, "allowed")
    except PermissionError:
        print(name, "refused")
print(open("mine.txt").read())
"""
    (tmp_path / "secret.ans").write_text("42\n")
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe], cwd=work, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "read host file refused", "read the problems refused", "write elsewhere refused",
        "start a process refused", "x",
    ]  # fmt: skip
    assert not (tmp_path / "out.txt").exists()


def test_a_statement_that_never_ends_is_stopped_and_tried_again_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A short wall-clock limit for the test; the real one is 20 s (and 10 s of CPU).
    monkeypatch.setattr(tex_statement, "WALL_SECONDS", 1.0)
    looping = "\\def\\x{\\x x}\\x"
    first = tex_statement.tex_to_html(looping)
    assert first.html is None and first.transient
    assert first.error == "the LaTeX converter took more than 1 s"
    # Not kept: a busy machine may have been the cause.
    again = tex_statement.tex_to_html(looping)
    assert again is not first and again.error == first.error
