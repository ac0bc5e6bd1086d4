"""Custom-input latency through the real HTTP API: a+b on your own input, request to result.

    .venv/bin/python bench/bench_custom_input.py [--cold 3] [--warm 15]

Starts `python -m judgebox.server` with a copy of the bundled aplusb (its C++
reference, its Python input validator) and POSTs /validate-dataset in JSON
mode with one custom case, `{"problem": "aplusb", "cases": [{"input": "20 22\\n"}]}`,
timing from the request to the whole document (the verdict judged against the
reference). For a submission in C++ and one in Python:

- cold: a fresh server with an empty compile cache (one per sample): the
  reference, the input validator and the submission are all compiled;
- reference compiled: the reference and validator are in the cache, the
  submission is new (a comment makes each source unique), as when a person
  edits and reruns;
- all cached: the same source again (the submission's compile is a cache hit).

Writes bench/results/custom_input.json and bench/results/custom_input.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

RESULTS = Path(__file__).resolve().parent / "results"
BUNDLED = Path(__file__).resolve().parents[1] / "problems"
SOURCES = {
    "cpp": '#include <cstdio>\nint main(){long long a,b;scanf("%lld %lld",&a,&b);'
    'printf("%lld\\n",a+b);}\n',
    "python3": "a, b = map(int, input().split())\nprint(a + b)\n",
}
COMMENT = {"cpp": "// {}\n", "python3": "# {}\n"}


def start_server(root: Path, library: Path, cache: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`python -m judgebox.server` with its own cache; (process, port) once /healthz answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    work = Path(tempfile.mkdtemp(prefix="work-", dir=root))
    work.chmod(0o711)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUDGEBOX_")}
    env["JUDGEBOX_CACHE_DIR"] = str(cache)
    log = (work / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "judgebox.server", "--port", str(port), "--problems",
         str(library), "--db", str(work / "runs.sqlite3"), "--work-root", str(work / "w")],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((work / "server.log").read_text())
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process, port
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(30)


def one_request(port: int, language: str, code: str) -> tuple[float, dict[str, Any]]:
    """Milliseconds from the request to the whole JSON document, and the judged case."""
    body = {"problem": "aplusb", "language": language, "code": code,
            "cases": [{"input": "20 22\n"}]}  # fmt: skip
    started = time.perf_counter()
    response = httpx.post(f"http://127.0.0.1:{port}/validate-dataset", json=body, timeout=300)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    case: dict[str, Any] = response.json()["cases"][0]
    if case["verdict"] != "AC" or case.get("reference") != "submissions/accepted/aplusb.cpp":
        raise RuntimeError(f"unexpected result: {case}")
    return elapsed, case


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 1),
            "min": round(ordered[0], 1), "max": round(ordered[-1], 1),
            "mean": round(statistics.fmean(ordered), 1)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=3, help="cold samples per language")
    parser.add_argument("--warm", type=int, default=15, help="warm samples per language")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="judgebox-bench-custom-"))
    root.chmod(0o711)
    library = root / "problems"
    shutil.copytree(BUNDLED / "aplusb", library / "aplusb")
    load_before = os.getloadavg()[0]
    figures: dict[str, dict[str, Any]] = {}
    counter = 0
    try:
        for language, source in SOURCES.items():
            cold: list[float] = []
            for _ in range(args.cold):
                cache = Path(tempfile.mkdtemp(prefix="cache-", dir=root))
                cache.chmod(0o711)
                server, port = start_server(root, library, cache)
                try:
                    counter += 1
                    code = COMMENT[language].format(counter) + source
                    cold.append(one_request(port, language, code)[0])
                finally:
                    stop(server)
            server, port = start_server(root, library, root / "warm-cache")
            try:
                one_request(port, language, source)  # the reference and validator compiled
                new_source: list[float] = []
                for _ in range(args.warm):
                    counter += 1
                    code = COMMENT[language].format(counter) + source
                    new_source.append(one_request(port, language, code)[0])
                cached = [one_request(port, language, source)[0] for _ in range(args.warm)]
            finally:
                stop(server)
            figures[language] = {
                "cold_ms": stats(cold),
                "reference_compiled_new_source_ms": stats(new_source),
                "all_cached_ms": stats(cached),
            }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result = {"cpus": os.cpu_count(), "load_average": [load_before, os.getloadavg()[0]],
              "reference": "submissions/accepted/aplusb.cpp", "input_validator": "python3",
              "figures": figures}  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "custom_input.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Custom-input latency (a+b, request to judged result)",
        "",
        f"`bench/bench_custom_input.py`; {os.cpu_count()} CPUs, load average "
        f"{load_before:.2f} before. One custom case on aplusb, judged against its C++ "
        "reference, its Python input validator beside it; JSON mode, ms (p50 / min / max).",
        "",
        "| submission | cold (nothing compiled) | reference compiled, new source | all cached |",
        "| --- | --- | --- | --- |",
    ]
    for language, f in figures.items():
        cells = [
            f"{f[k]['p50']} / {f[k]['min']} / {f[k]['max']} (n={f[k]['n']})"
            for k in ("cold_ms", "reference_compiled_new_source_ms", "all_cached_ms")
        ]
        lines.append(f"| {language} | " + " | ".join(cells) + " |")
    (RESULTS / "custom_input.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
