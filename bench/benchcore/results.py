"""Result files: bench/results/<name>.json and <name>.md, and RESULTS.md merged from all of them.

Each benchmark writes its own pair and nothing else, so rerunning one
(`run_all.py --only x`) replaces x's figures and keeps every other benchmark's:
`merge` rebuilds RESULTS.md from whatever bench/results/*.md holds, each with
the environment it was measured in (when, commit, host load).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchcore.environment import Environment, from_dict

RESULTS = Path(__file__).resolve().parents[1] / "results"
ENVIRONMENT_KEY = "environment"


def write(
    name: str,
    figures: Mapping[str, Any],
    markdown: str,
    env: Environment,
    results: Path = RESULTS,
) -> Path:
    """results/<name>.json (the figures plus `environment`) and results/<name>.md (the page
    plus one line saying when, where, from which commit and under what load); the .md path."""
    env.finish()
    results.mkdir(parents=True, exist_ok=True)
    document = {**figures, ENVIRONMENT_KEY: env.as_dict()}
    (results / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")
    page = markdown.rstrip("\n") + f"\n\n_Measured: {env.summary()}._\n"
    md = results / f"{name}.md"
    md.write_text(page)
    return md


def environment_of(name: str, results: Path = RESULTS) -> Environment | None:
    """The environment recorded in results/<name>.json; None when there is none."""
    path = results / f"{name}.json"
    if not path.exists():
        return None
    try:
        recorded = json.loads(path.read_text()).get(ENVIRONMENT_KEY)
    except (json.JSONDecodeError, AttributeError):
        return None
    return from_dict(recorded) if isinstance(recorded, dict) else None


def legacy_environment(name: str, results: Path = RESULTS) -> Environment | None:
    """For results written before benchcore: when and from which commit the file was last
    committed (git), and the load average under one of the keys benchmarks used then."""
    path = results / f"{name}.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    old = data.get("loadAverage1m") or {}
    pair = (data.get("load_average") or [None, None])[:2]
    start = _number(pair[0], (data.get("machine") or {}).get("load_avg_1m"), old.get("before"))
    end = _number(pair[1], old.get("after"), data.get("load"))  # "load" was taken at the end
    log = subprocess.run(
        ["git", "log", "-1", "--format=%h|%cd", "--date=format-local:%Y-%m-%d %H:%M UTC",
         "--", path.name],
        capture_output=True, text=True, cwd=results, check=False, env={"TZ": "UTC"},
    ).stdout.strip()  # fmt: skip
    if not log and start is None and end is None:
        return None
    commit, _, when = log.partition("|")
    return Environment(
        when=f"{when} (committed; before benchcore)" if when else "not recorded",
        host="?", cpus=0, kernel="?", python="?",
        commit=f"{commit} (the results' commit)" if commit else "not recorded",
        load_start=[start, 0.0, 0.0] if start is not None else [],
        load_end=[end, 0.0, 0.0] if end is not None else [],
    )  # fmt: skip


def _number(*candidates: object) -> float | None:
    """The first candidate that is a number (or a numeric string)."""
    for x in candidates:
        try:
            return float(x)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return None


def _load(env: Environment | None) -> str:
    if env is None or not (env.load_start or env.load_end):
        return "not recorded"
    start = f"{env.load_start[0]:.2f}" if env.load_start else "?"
    end = f"{env.load_end[0]:.2f}" if env.load_end else "?"
    return f"{start} / {end}"


def merge(
    results: Path = RESULTS,
    status: Mapping[str, str] | None = None,
    notes: Mapping[str, list[str]] | None = None,
) -> str:
    """RESULTS.md: an index of every benchmark with figures in `results` (when, commit, load,
    how its last run ended), then each one's page with its headings one level down.

    `status` maps a benchmark name to how run_all last saw it end (`ok in 93 s`);
    `notes` adds lines under a benchmark's heading (the tail of a failed run's log).
    """
    status, notes = status or {}, notes or {}
    names = sorted({p.stem for p in results.glob("*.md")} | set(status))
    lines = [
        "# judgebox benchmarks",
        "",
        "Merged by `bench/run_all.py` from `bench/results/*.md`: each benchmark's latest "
        "figures, measured against a baseline in the same run. Benchmarks run at different "
        "times on a shared machine, so each says when it ran, from which commit and under "
        "what load (1-minute load average at its start / end; the host has the CPUs listed).",
        "",
        "| benchmark | ran | commit | host, CPUs | load start / end | last run |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in names:
        env = environment_of(name, results) or legacy_environment(name, results)
        when = env.when if env else "not recorded"
        commit = env.commit if env else "not recorded"
        host = f"{env.host}, {env.cpus}" if env and env.cpus else "-"
        lines.append(
            f"| [{name}](#bench_{name}) | {when} | {commit} | {host} | {_load(env)} "
            f"| {status.get(name, '-')} |"
        )
    lines.append("")
    for name in names:
        lines += [f'<a id="bench_{name}"></a>', f"## bench_{name}.py", ""]
        lines += notes.get(name, [])
        md = results / f"{name}.md"
        if md.exists():
            for line in md.read_text().splitlines():
                lines.append("##" + line if line.startswith("#") else line)
        else:
            lines.append("(no figures in bench/results/ yet)")
        lines.append("")
    return "\n".join(lines)
