"""Per language: the sandboxed per-case cost of a+b against the same program run bare, and
compile time cold and cached.

    .venv/bin/python bench/bench_languages.py [--runs 15] [--languages c,java,...]

For every offered language (or the ones given), with the battery's program
(`tests/languages/programs/<id>/battery.*`, input "0 / 2 / 1 / 2", output 3):

- compile cold: `compile_source` into an empty cache (the compiler's own caches under the
  box's /tmp are empty too: every compile box starts with a fresh /tmp);
- compile cached: the same call again (a cache hit: hashing and a lookup);
- per case, sandboxed: one box with the artifact mounted, `--runs` runs of the program,
  each `Box.run` timed on the host (request to result, as the judge sees it);
- per case, bare: the same argv run by `subprocess.run` on the host in the artifact's
  directory with the box's environment; interleaved with the sandboxed runs, so both see
  the same machine load. The medians are reported, and sandboxed minus bare (the overhead).

Writes bench/results/languages.json and bench/results/languages.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from judgebox.judging.compilation import compile_source
from judgebox.languages.entry_points import entry_point, submission_files
from judgebox.languages.table import Language, load_languages
from judgebox.languages.toolchains import available_languages
from judgebox.sandbox import BOX_DIR, Mount, Sandbox, SandboxConfig
from judgebox.sandbox.bwrap import box_env
from judgebox.vocabulary.limits import Limits

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PROGRAMS = ROOT / "tests" / "languages" / "programs"
INPUT = "0\n2\n1\n2\n"
LIMITS = Limits(cpu_time=5.0, memory=256 * 1024 * 1024)


async def bench_language(
    sandbox: Sandbox, language: Language, version: str, work: Path, runs: int
) -> dict[str, Any]:
    """One language's figures (milliseconds)."""
    code = next(iter(sorted((PROGRAMS / language.id).glob("battery.*")))).read_text()
    files = submission_files(language, code)
    entry = entry_point(language, files)
    cache = work / f"cache-{language.id}"
    workspace = work / f"ws-{language.id}"
    workspace.mkdir(mode=0o755)

    async def build() -> tuple[Any, float]:
        started = time.perf_counter()
        artifact = await compile_source(
            sandbox, language, version, files[entry.file].encode(), entry.file,
            limits=LIMITS, workspace=workspace, cache_dir=cache, sources=entry.sources,
            main=entry.main,
        )  # fmt: skip
        return artifact, (time.perf_counter() - started) * 1000

    artifact, cold_ms = await build()
    if not artifact.result.ok:
        return {"id": language.id, "error": artifact.result.output[:500]}
    _, cached_ms = await build()
    argv = language.run_argv(artifact.file, LIMITS, main=artifact.main)
    stdin = work / "input.txt"
    boxed: list[float] = []
    bare: list[float] = []
    env = box_env({})
    async with sandbox.box([Mount(artifact.directory, BOX_DIR)]) as box:
        for _ in range(runs):
            started = time.perf_counter()
            result = await box.run(argv, limits=language.run_limits(LIMITS), stdin=stdin)
            boxed.append((time.perf_counter() - started) * 1000)
            if result.stdout.strip() != b"3":
                return {"id": language.id, "error": f"sandboxed run: {result.status} "
                        f"{result.stderr[-300:]!r}"}  # fmt: skip
            with open(stdin, "rb") as f:
                started = time.perf_counter()
                done = subprocess.run(
                    argv, stdin=f, capture_output=True, cwd=artifact.directory, env=env,
                    check=False,
                )  # fmt: skip
                bare.append((time.perf_counter() - started) * 1000)
            if done.stdout.strip() != b"3":
                return {"id": language.id, "error": f"bare run: {done.stderr[-300:]!r}"}
    boxed_ms, bare_ms = statistics.median(boxed), statistics.median(bare)
    return {
        "id": language.id, "name": language.name, "version": version,
        "compile_cold_ms": round(cold_ms, 1), "compile_cached_ms": round(cached_ms, 2),
        "case_sandboxed_ms": round(boxed_ms, 2), "case_bare_ms": round(bare_ms, 2),
        "overhead_ms": round(boxed_ms - bare_ms, 2), "runs": runs,
    }  # fmt: skip


async def main_async(ids: list[str] | None, runs: int) -> list[dict[str, Any]]:
    table = load_languages()
    offered = available_languages(table)
    chosen = [lid for lid in offered if ids is None or lid in ids]
    work = Path(tempfile.mkdtemp(prefix="judgebox-bench-languages-", dir="/tmp"))
    work.chmod(0o711)
    (work / "input.txt").write_text(INPUT)
    os.chmod(work / "input.txt", 0o644)
    sandbox = Sandbox.open(SandboxConfig(work_root=work / "boxes", uid_base=63800))
    rows = []
    try:
        for lid in chosen:
            row = await bench_language(sandbox, table[lid], offered[lid].version, work, runs)
            print(json.dumps(row), flush=True)
            rows.append(row)
    finally:
        sandbox.close()
        shutil.rmtree(work, ignore_errors=True)
    return rows


def write_results(rows: list[dict[str, Any]], runs: int) -> None:
    RESULTS.mkdir(exist_ok=True)
    meta = {"host": platform.node(), "cpus": os.cpu_count(), "runs": runs,
            "when": time.strftime("%Y-%m-%d %H:%M:%S")}  # fmt: skip
    (RESULTS / "languages.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    lines = [
        "# Languages: per-case cost and compile time",
        "",
        f"`bench/bench_languages.py --runs {runs}`, {meta['when']}, {meta['cpus']} CPUs "
        "(shared with other work: absolute figures are noisy; sandboxed and bare are "
        "interleaved, so their difference is fair). Medians in ms. The program is the "
        "battery's a+b (`tests/languages/programs/<id>/battery.*`).",
        "",
        "| id | version | compile cold | compile cached | case sandboxed | case bare | overhead |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"| `{row['id']}` | error: {row['error'][:80]} | | | | | |")
            continue
        lines.append(
            f"| `{row['id']}` | {row['version']} | {row['compile_cold_ms']:.0f} | "
            f"{row['compile_cached_ms']:.1f} | {row['case_sandboxed_ms']:.1f} | "
            f"{row['case_bare_ms']:.1f} | {row['overhead_ms']:+.1f} |"
        )
    (RESULTS / "languages.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--languages", default=None, help="comma list of ids (default: all)")
    args = parser.parse_args()
    ids = args.languages.split(",") if args.languages else None
    rows = asyncio.run(main_async(ids, args.runs))
    write_results(rows, args.runs)


if __name__ == "__main__":
    main()
