"""The web page's first load: JS + CSS bytes (gzipped) and time to interactive, old vs new.

    .venv/bin/python bench/bench_page.py [--loads 7] [--baseline-ref main ...]

One real `judgebox serve` (this checkout) answers the API. Chromium (Debian's,
through Playwright) loads the page `--loads` times per variant, each in a fresh
context (cold cache), on a laptop viewport with the problem `aplusb` (a Markdown
statement with math and an image) and Python 3 chosen, as a returning visitor:
- "baseline REF", for each --baseline-ref (default main): the page's files from
  `git archive REF` (e.g. the page before the npm libraries: hand-written modules, a
  textarea editor), served in place of /static/ and /;
- "current": this checkout's static/ (its esbuild bundle in static/dist/).
Measured per load:
- the first load: JS + CSS that arrived before the page's own code first ran (app.js
  marks "judgebox:boot" after its static imports; else DOMContentLoaded), gzipped;
  and the editor-ready time (body[data-editor]);
- JS + CSS bytes: every script and stylesheet response's body, gzipped at level 6
  (what a compressing server or proxy sends; the dev server itself does not
  compress), and the same uncompressed; fonts and images are counted apart;
- time to interactive: navigation start -> the page sets body[data-ready] (lists
  loaded, statement shown, code in the editor, buttons live), and to the statement's
  math drawn (#statement[data-math="drawn"]; KaTeX loads on demand), read from
  performance.now() in the page.
The machine is shared (2 cores): medians and ranges are reported, not single loads.
Writes bench/results/page.json and bench/results/page.md.
"""

from __future__ import annotations

import argparse
import gzip
import mimetypes
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from io import BytesIO
from pathlib import Path
from typing import Any

from benchcore import capture, free_port, spread, write
from playwright.sync_api import Route, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "judgebox" / "server" / "static"
CHROMIUM = "/usr/bin/chromium"
READY_PROBE = """
window.__readyAt = null;
window.__mathAt = null;
window.__editorAt = null;
new MutationObserver(() => {
  if (document.body && document.body.dataset.editor === "ready" && window.__editorAt === null) {
    window.__editorAt = performance.now();
  }
  if (document.body && document.body.dataset.ready === "true" && window.__readyAt === null) {
    window.__readyAt = performance.now();
  }
  const statement = document.getElementById("statement");
  if (statement && statement.dataset.math === "drawn" && window.__mathAt === null) {
    window.__mathAt = performance.now();
  }
}).observe(document,
           { subtree: true, attributes: true,
             attributeFilter: ["data-ready", "data-math", "data-editor"] });
localStorage.setItem("judgebox:last-problem", "aplusb");
localStorage.setItem("judgebox:last-language", "python3");
"""


def baseline_static(ref: str, into: Path) -> Path:
    """The page of `ref`: its static/ folder extracted to `into`, and its bundle built when
    `ref` has one (web/build.mjs; dist/ is never committed) with this checkout's node_modules
    (the libraries pinned by the lockfile; a ref that pins others is built with these)."""
    has_bundle = (
        subprocess.run(
            ["git", "-C", str(ROOT), "cat-file", "-e", f"{ref}:web/build.mjs"],
            capture_output=True, check=False,
        ).returncode == 0
    )  # fmt: skip
    paths = ["src/judgebox/server/static"] + (["web"] if has_bundle else [])
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, *paths],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    if has_bundle:
        (into / "web" / "node_modules").symlink_to(ROOT / "web" / "node_modules")
        subprocess.run(["node", "build.mjs", "--quiet"], cwd=into / "web", check=True)
    return into / "src" / "judgebox" / "server" / "static"


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    judgebox = Path(sys.executable).with_name("judgebox")
    process = subprocess.Popen(
        [str(judgebox), "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("judgebox serve did not start")


def serve_from(static_dir: Path, base: str) -> Any:
    """A route handler that answers / and /static/* from `static_dir`."""

    def handle(route: Route) -> None:
        path = route.request.url.removeprefix(base).split("?")[0]
        file = static_dir / "index.html" if path in ("", "/") else None
        if path.startswith("/static/"):
            file = static_dir / path.removeprefix("/static/")
        if file is None:
            route.continue_()
            return
        if not file.is_file():
            route.fulfill(status=404, body="not found")
            return
        kind = "text/javascript" if file.suffix == ".js" else mimetypes.guess_type(file.name)[0]
        route.fulfill(status=200, content_type=kind or "application/octet-stream",
                      body=file.read_bytes())  # fmt: skip

    return handle


def load_once(browser: Any, url: str, static_dir: Path) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(READY_PROBE)
    page = context.new_page()
    page.route(f"{url}/**", serve_from(static_dir, url))
    page.route(url, serve_from(static_dir, url))
    sizes: dict[str, list[int]] = {"js": [0, 0], "css": [0, 0], "other": [0, 0]}
    files: list[str] = []
    gzipped: dict[str, tuple[int, int]] = {}  # JS and CSS: raw and gzipped bytes

    def on_response(response: Any) -> None:
        kind = response.request.resource_type
        if "/static/" not in response.url or response.status != 200:
            return
        body = response.body()
        key = "js" if kind == "script" else "css" if kind == "stylesheet" else "other"
        packed = len(gzip.compress(body, compresslevel=6))
        sizes[key][0] += len(body)
        sizes[key][1] += packed
        file = response.url.split("/static/", 1)[1]
        files.append(file)
        if key != "other":
            gzipped[file.split("?")[0]] = (len(body), packed)

    page.on("response", on_response)
    page.goto(url)
    page.wait_for_function("window.__readyAt !== null", timeout=60_000)
    if static_dir == STATIC:
        page.wait_for_function("window.__mathAt !== null", timeout=60_000)
    page.wait_for_load_state("networkidle")
    ready_ms = page.evaluate("window.__readyAt")
    math_ms = page.evaluate("window.__mathAt")  # null on a page that draws no math
    editor_ms = page.evaluate("window.__editorAt")  # null on a page without the mark
    # The first load: what arrived before the page's own code first ran: app.js marks
    # "judgebox:boot" after its static imports; a page without the mark is cut at
    # DOMContentLoaded (after its module scripts ran, so after their static imports,
    # before what they import dynamically has arrived). The stylesheet is in either.
    boot = page.evaluate(
        "performance.getEntriesByName('judgebox:boot')[0]?.startTime"
        " ?? performance.getEntriesByType('navigation')[0].domContentLoadedEventStart"
    )
    ends = page.evaluate(
        "performance.getEntriesByType('resource').map(e => [e.name, e.responseEnd])"
    )
    context.close()
    first = [0, 0]
    for name, end in ends:
        if "/static/" not in name or end > boot:
            continue
        file = name.split("/static/", 1)[1].split("?")[0]
        if file in gzipped:
            first[0] += gzipped[file][0]
            first[1] += gzipped[file][1]
    return {
        "readyMs": round(ready_ms, 1),
        "editorMs": round(editor_ms if editor_ms is not None else ready_ms, 1),
        "firstBytes": first[0], "firstGzip": first[1],
        "mathMs": None if math_ms is None else round(math_ms, 1),
        "jsBytes": sizes["js"][0], "jsGzip": sizes["js"][1],
        "cssBytes": sizes["css"][0], "cssGzip": sizes["css"][1],
        "otherBytes": sizes["other"][0], "otherGzip": sizes["other"][1],
        "files": sorted(files),
    }  # fmt: skip


def summarize(loads: list[dict[str, Any]]) -> dict[str, Any]:
    ready = [x["readyMs"] for x in loads]
    editor = [x["editorMs"] for x in loads]
    math = [x["mathMs"] for x in loads if x["mathMs"] is not None]
    first = loads[0]
    return {
        "loads": len(loads),
        "readyMsMedian": round(statistics.median(ready), 1),
        "readyMsMin": min(ready), "readyMsMax": max(ready),
        "mathMsMedian": round(statistics.median(math), 1) if math else None,
        "editorMsMedian": round(statistics.median(editor), 1),
        "editorMsMin": min(editor), "editorMsMax": max(editor),
        "firstGzip": first["firstGzip"], "firstBytes": first["firstBytes"],
        "readyMs": spread(ready, digits=1), "mathMs": spread(math, digits=1),
        "jsGzip": first["jsGzip"], "cssGzip": first["cssGzip"],
        "jsCssGzip": first["jsGzip"] + first["cssGzip"],
        "jsBytes": first["jsBytes"], "cssBytes": first["cssBytes"],
        "otherGzip": first["otherGzip"], "requests": len(first["files"]),
        "files": first["files"],
    }  # fmt: skip


def write_markdown(report: dict[str, Any]) -> str:
    kib = lambda n: f"{n / 1024:.1f} KiB"  # noqa: E731
    rows = []
    for name, v in report["variants"].items():
        rows.append(
            f"| {name} | **{kib(v['firstGzip'])}** | {kib(v['jsGzip'])} | {kib(v['cssGzip'])} | "
            f"{kib(v['jsCssGzip'])} | {kib(v['jsBytes'] + v['cssBytes'])} | "
            f"{kib(v['otherGzip'])} | {v['requests']} | "
            f"**{v['editorMsMedian']:.0f} ms** "
            f"({v['editorMsMin']:.0f} to {v['editorMsMax']:.0f}) | "
            f"{v['readyMsMedian']:.0f} ms ({v['readyMsMin']:.0f} to {v['readyMsMax']:.0f}, "
            f"p95 {v['readyMs']['p95']:.0f}) | "
            + (f"{v['mathMsMedian']:.0f} ms |" if v["mathMsMedian"] is not None else "no math |")
        )
    return "\n".join([
        "# Page first load: earlier pages vs this one",
        "",
        f"Measured {report['measuredAt']} by `bench/bench_page.py` on one machine, same run, "
        f"{report['loads']} cold loads per variant in Debian's Chromium; problem `aplusb` "
        "(Markdown statement with math and an image), Python 3 chosen.",
        "Baselines: the static files of "
        + ", ".join(f"`{ref}`" for ref in report["baselineRefs"])
        + " (`baseline REF` rows); current: this checkout's "
        "bundle (esbuild, minified, ESM code-split: the first load is CodeMirror's core and "
        "the page's own modules; editor extras, the language mode, the statement's libraries "
        "(marked, DOMPurify, KaTeX) and the results/diff code load when needed).",
        "",
        "| page | first load JS+CSS gzip | JS gzip (all) | CSS gzip (all) | JS+CSS gzip (all) "
        "| JS+CSS raw (all) | fonts, images (gzip) | requests | editor ready, median (range) "
        "| all ready, median (range, p95) | math drawn, median |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        "First load: the JS and CSS that arrived before the page's own code first ran "
        "(app.js marks `judgebox:boot` after its static imports; a page without the mark is "
        "cut at DOMContentLoaded, after its module scripts and their static imports). "
        "\"All\" columns: every script and stylesheet until "
        "the statement's math is drawn (on-demand chunks included). Gzip sizes are each "
        "response body compressed at level 6 (what a compressing proxy sends; `judgebox "
        "serve` itself does not compress). Editor ready: navigation start to "
        "`body[data-editor]` (code in the editor, typing works; a baseline without that "
        "mark counts its all-ready time). All ready: to `body[data-ready]`: lists "
        "loaded, statement shown, code in the editor, buttons live. The machine is shared "
        "by other jobs: compare the medians, not single loads.",
        "",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument(
        "--baseline-ref", action="append", dest="baseline_refs",
        help="a git ref whose static files are a baseline (repeatable; default: main)",
    )  # fmt: skip
    args = parser.parse_args()
    refs: list[str] = args.baseline_refs or ["main"]
    if not (STATIC / "dist" / "app.js").is_file():
        raise SystemExit("the page is not built: run scripts/setup.sh (npm ci + web/build.mjs)")
    env = capture()
    process, url = start_server()
    report: dict[str, Any] = {
        "measuredAt": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "loads": args.loads, "baselineRefs": refs, "variants": {},
    }  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
            variants = {
                f"baseline {ref}": baseline_static(ref, Path(tmp) / f"ref{i}")
                for i, ref in enumerate(refs)
            }
            variants["current"] = STATIC
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            loads: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
            for _ in range(args.loads):  # interleaved, so both see the same machine load
                for name, static_dir in variants.items():
                    loads[name].append(load_once(browser, url, static_dir))
            browser.close()
            for name in variants:
                report["variants"][name] = summarize(loads[name])
                report["variants"][name]["readyMsAll"] = [x["readyMs"] for x in loads[name]]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    markdown = write_markdown(report)
    write("page", report, markdown, env)
    print(markdown)


if __name__ == "__main__":
    main()
