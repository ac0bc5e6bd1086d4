"""The page's pure modules run in Chromium: the SSE parser, the diff and the statement renderer.

static/ is served on an offline origin by page.route(), so these tests need no server.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

# One stream with every line ending (LF, CRLF, CR), comments, multi-line data,
# id/event/retry fields, a field without a colon, multi-byte UTF-8 and an
# unterminated last event (which the spec says to drop).
STREAM = (
    "\ufeff: ping\r\n"
    "retry: 1500\r\n"
    'id: 1\r\nevent: start\r\ndata: {"runId":"r1","totalCases":2}\r\n\r\n'
    "id: 2\nevent: case-result\ndata: line one\ndata:line two \u2713 \u00fc \u6f22 \U0001f600\n\n"
    ":ping\r"
    "id: 3\revent: complete\rdata\rdata:  two spaces\r\r"
    "event: ignored-without-data\n\n"
    "data: tail without a blank line"
).encode()

EXPECTED: list[dict[str, Any]] = [
    {"kind": "comment", "text": "ping"},
    {"kind": "event", "event": "start", "data": '{"runId":"r1","totalCases":2}', "id": "1"},
    {
        "kind": "event",
        "event": "case-result",
        "data": "line one\nline two \u2713 \u00fc \u6f22 \U0001f600",
        "id": "2",
    },
    {"kind": "comment", "text": "ping"},
    {"kind": "event", "event": "complete", "data": "\n two spaces", "id": "3"},
]

SPLIT_EVERYWHERE = """async (bytes) => {
  const { SSEParser } = await import("/static/sse.js");
  const data = new Uint8Array(bytes);
  const run = (chunks) => {
    const parser = new SSEParser();
    const out = [];
    for (const chunk of chunks) out.push(...parser.push(chunk));
    out.push(...parser.end());
    return { out, retry: parser.retry, lastEventId: parser.lastEventId };
  };
  const whole = run([data]);
  const mismatches = [];
  for (let i = 0; i <= data.length; i++) {
    const split = run([data.slice(0, i), data.slice(i)]);
    if (JSON.stringify(split) !== JSON.stringify(whole)) mismatches.push(i);
    for (let j = i + 1; j < data.length; j += 7) {
      const three = run([data.slice(0, i), data.slice(i, j), data.slice(j)]);
      if (JSON.stringify(three) !== JSON.stringify(whole)) mismatches.push([i, j]);
    }
  }
  const bytewise = run(Array.from(data, (b) => Uint8Array.of(b)));
  return { whole, mismatches, bytewiseEqual: JSON.stringify(bytewise) === JSON.stringify(whole) };
}"""


def test_sse_parser_gives_the_same_events_for_any_chunking(static_page: Page) -> None:
    result = static_page.evaluate(SPLIT_EVERYWHERE, list(STREAM))
    assert result["whole"]["out"] == EXPECTED
    assert result["whole"]["retry"] == 1500
    assert result["whole"]["lastEventId"] == "3"
    assert result["mismatches"] == []
    assert result["bytewiseEqual"] is True


def test_sse_parser_takes_strings_and_keeps_crlf_split_across_chunks_as_one_line_end(
    static_page: Page,
) -> None:
    result = static_page.evaluate(
        """async () => {
          const { SSEParser } = await import("/static/sse.js");
          const parser = new SSEParser();
          const out = [...parser.push("data: a\\r"), ...parser.push("\\ndata: b\\r"),
                       ...parser.push("\\n\\r\\n"), ...parser.end()];
          return out;
        }"""
    )
    assert result == [{"kind": "event", "event": "message", "data": "a\nb", "id": ""}]


def test_first_difference_reports_line_and_column(static_page: Page) -> None:
    result = static_page.evaluate(
        """async () => {
          const { firstDifference } = await import("/static/diff.js");
          return [firstDifference("3\\n", "3\\n"), firstDifference("1\\n22\\n", "1\\n23\\n"),
                  firstDifference("3\\n", "3"), firstDifference("", "x")];
        }"""
    )
    assert result[0] is None
    assert result[1] == {"offset": 3, "line": 2, "column": 2, "expected": "2", "got": "3"}
    assert result[2] == {"offset": 1, "line": 1, "column": 2, "expected": "\n", "got": ""}
    assert result[3] == {"offset": 0, "line": 1, "column": 1, "expected": "", "got": "x"}


def test_statements_render_markdown_and_never_run_markup(static_page: Page) -> None:
    result = static_page.evaluate(
        """async () => {
          const { renderStatement } = await import("/static/dist/statement.js");
          window.pwned = 0;
          const md = "# Sum\\n\\nAdd **two** numbers `a` and *b*, with $a + b$.\\n\\n" +
                     "- first\\n- second\\n\\n```\\n<b>raw</b>\\n```\\n\\n" +
                     "| Input | Output |\\n| --- | --- |\\n| `1 2` | `3` |\\n\\n" +
                     "[docs](https://example.org/x) and `$not math$`\\n\\n" +
                     "<img src=x onerror=\\"window.pwned=1\\"><script>window.pwned=2</script>" +
                     "<p class=\\"topbar\\" style=\\"color:red\\" id=\\"run-status\\">styled</p>";
          const html = "<p onclick=\\"x()\\">Hi <em>there</em></p>" +
                       "<img src=x onerror=\\"window.pwned=3\\">" +
                       "<script>window.pwned=4</script><a href=\\"javascript:alert(1)\\">link</a>";
          const a = document.createElement("div");
          a.append(await renderStatement(md, "markdown"));
          const b = document.createElement("div");
          b.append(await renderStatement(html, "html"));
          const c = document.createElement("div");
          c.append(await renderStatement("\\\\section{Sum} $a<b$ <b>x</b>", "latex"));
          document.body.append(a, b, c);
          await new Promise((r) => setTimeout(r, 100));
          const d = document.createElement("div");
          d.append(await renderStatement(null, null));
          return { md: a.innerHTML.replace(/>\\s+</g, "><"), html: b.innerHTML,
                   latex: c.innerHTML, pwned: window.pwned, none: d.textContent };
        }"""
    )
    assert result["pwned"] == 0
    md = result["md"]
    assert "<h3>Sum</h3>" in md
    assert "<strong>two</strong>" in md and "<code>a</code>" in md and "<em>b</em>" in md
    assert '<span class="math math-inline"><span class="katex">' in md  # KaTeX drew $a + b$
    assert "<ul><li>first</li><li>second</li></ul>" in md
    assert "<pre><code>&lt;b&gt;raw&lt;/b&gt;\n</code></pre>" in md
    assert '<table class="statement-table"><thead><tr><th>Input</th><th>Output</th></tr>' in md
    assert "<td><code>1 2</code></td><td><code>3</code></td>" in md
    assert (
        '<a href="https://example.org/x" target="_blank" rel="noopener noreferrer">docs</a>' in md
    )
    assert "<code>$not math$</code>" in md
    # No statement folder given: the image is not fetched; scripts, styles, ids, classes go.
    assert "<img" not in md and "<script" not in md and "[image: x]" in md
    assert "<p>styled</p>" in md
    html = result["html"]
    assert html.startswith("<p>Hi <em>there</em></p>")
    assert "<img" not in html and "<script" not in html and "href" not in html
    assert "onclick" not in html and "link" in html
    # LaTeX source (the server's conversion failed): shown as typed, never as markup.
    source = "\\section{Sum} $a&lt;b$ &lt;b&gt;x&lt;/b&gt;"
    assert result["latex"] == f'<pre class="statement-text">{source}</pre>'
    assert result["none"] == "This problem has no statement."


def test_statement_math_delimiters_images_and_bad_tex(static_page: Page) -> None:
    result = static_page.evaluate(
        """async () => {
          const { renderStatement, isStatementPath } = await import("/static/dist/statement.js");
          const md = "Bounds $0 \\\\le n \\\\le 10^{18}$ and \\\\(x_1\\\\).\\n\\n" +
                     "$$\\n\\\\sum_{i=1}^n i\\n$$\\n\\n\\\\[ y \\\\]\\n\\n" +
                     "Broken $\\\\frac{1$ stays.\\n\\n" +
                     "![a tree](img/tree.png) ![far](../secret.png) ![web](https://evil.test/t.png)";
          const box = document.createElement("div");
          const imageBase = "/problems/p/statement-files/";
          box.append(await renderStatement(md, "markdown", { imageBase }));
          const imgs = [...box.querySelectorAll("img")].map((i) => [i.getAttribute("src"), i.alt]);
          return {
            inline: box.querySelectorAll(".math-inline .katex").length,
            display: box.querySelectorAll(".math-display .katex-display").length,
            errors: [...box.querySelectorAll(".math-error")].map((e) => e.textContent),
            imgs, text: box.textContent,
            paths: ["a.png", "a/b.png", "../a.png", "/a.png", "http://x/a.png", "a//b.png",
                    "data:image/png;base64,xx"].map(isStatementPath),
          };
        }"""
    )
    assert result["inline"] == 2 and result["display"] == 2
    assert result["errors"] == ["\\frac{1"]
    assert result["imgs"] == [["/problems/p/statement-files/img/tree.png", "a tree"]]
    assert "[image: far]" in result["text"] and "[image: web]" in result["text"]
    assert result["paths"] == [True, True, False, False, False, False, False]
