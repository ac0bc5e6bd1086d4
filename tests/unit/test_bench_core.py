"""bench/benchcore: the one spread function every benchmark reports with, and the merge of
bench/results/*.md into RESULTS.md that keeps every benchmark's latest figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchcore import capture, free_port, percentile, spread, spread_cell
from benchcore import results as bench_results
from benchcore.environment import from_dict


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 21))  # 1..20
    assert percentile(values, 95) == 19  # ceil(0.95 * 20) = 19th smallest
    assert percentile(values, 99) == 20
    assert percentile(values, 50) == 10
    assert percentile(values, 100) == 20
    assert percentile([7.0], 95) == 7.0
    assert percentile([3, 1, 2], 1) == 1  # order of the input does not matter


def test_percentile_rejects_empty_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 0)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_spread_keys_scale_and_one_rounding_rule() -> None:
    s = spread([0.0011114, 0.0022226, 0.0033338, 0.0044449], scale=1000)
    assert s == {
        "n": 4,
        "median": 2.778,  # mean of the two middle samples, then rounded
        "p95": 4.445,
        "p99": 4.445,
        "min": 1.111,
        "max": 4.445,
    }
    assert spread([1.23456, 2.0], digits=1)["min"] == 1.2
    assert spread([]) == {"n": 0}


def test_spread_p95_of_100_samples_is_the_95th() -> None:
    s = spread([float(v) for v in reversed(range(1, 101))])
    assert (s["median"], s["p95"], s["p99"], s["min"], s["max"]) == (50.5, 95, 99, 1, 100)


def test_spread_cell() -> None:
    assert spread_cell(spread([1.0, 2.0, 3.0])) == "2.0 (p95 3.0, 1.0-3.0, n=3)"
    assert spread_cell(spread([])) == "-"


def test_free_port_is_bindable() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_environment_round_trips_and_records_load() -> None:
    env = capture()
    assert env.cpus >= 1 and len(env.load_start) == 3 and env.commit
    assert env.finish().load_end and env.summary().startswith(f"ran {env.when}")
    assert from_dict(json.loads(json.dumps(env.as_dict()))) == env


def _write(results: Path, name: str, page: str, load_start: float) -> None:
    env = capture()
    env.load_start = [load_start, 0.0, 0.0]
    env.commit = f"c-{name}"
    bench_results.write(name, {"figure": 1}, page, env, results=results)


def test_write_adds_the_environment_to_both_files(tmp_path: Path) -> None:
    _write(tmp_path, "alpha", "# Alpha\n\n| a | b |\n", 3.25)
    doc = json.loads((tmp_path / "alpha.json").read_text())
    assert doc["figure"] == 1 and doc["environment"]["load_start"][0] == 3.25
    assert doc["environment"]["load_end"]
    md = (tmp_path / "alpha.md").read_text()
    assert md.startswith("# Alpha") and "commit c-alpha" in md and "3.25 at start" in md


def test_merge_keeps_every_benchmark_and_replaces_only_the_rerun_one(tmp_path: Path) -> None:
    _write(tmp_path, "alpha", "# Alpha\n\nalpha figures v1\n", 1.0)
    _write(tmp_path, "beta", "# Beta\n\nbeta figures v1\n", 2.0)
    first = bench_results.merge(tmp_path)
    assert "alpha figures v1" in first and "beta figures v1" in first
    # rerun only beta (run_all.py --only beta): alpha's figures stay, beta's are replaced
    _write(tmp_path, "beta", "# Beta\n\nbeta figures v2\n", 7.5)
    second = bench_results.merge(tmp_path, status={"beta": "ok in 3 s"})
    assert "alpha figures v1" in second
    assert "beta figures v2" in second and "beta figures v1" not in second
    rows = [line for line in second.splitlines() if "](#bench_" in line]
    alpha, beta = (next(r for r in rows if f"[{n}]" in r) for n in ("alpha", "beta"))
    assert "c-alpha" in alpha and "1.00 /" in alpha
    assert "7.50 /" in beta and "ok in 3 s" in beta
    # a page's own headings go below the benchmark's heading
    assert "### Alpha" in second and "\n# Alpha" not in second


def test_merge_shows_pages_without_a_recorded_environment_and_failure_notes(
    tmp_path: Path,
) -> None:
    (tmp_path / "old.md").write_text("# Old\n\nold figures\n")
    (tmp_path / "old.json").write_text('{"figure": 2}')
    merged = bench_results.merge(
        tmp_path, status={"old": "FAILED (exit 1) in 2 s"}, notes={"old": ["boom"]}
    )
    assert "old figures" in merged and "not recorded" in merged and "boom" in merged
    assert "FAILED (exit 1) in 2 s" in merged


def test_merge_reads_the_load_of_results_written_before_benchcore(tmp_path: Path) -> None:
    (tmp_path / "old.md").write_text("# Old\n")
    (tmp_path / "old.json").write_text('{"loadAverage1m": {"before": 8.91, "after": 12.25}}')
    (tmp_path / "older.md").write_text("# Older\n")
    (tmp_path / "older.json").write_text('{"load_average": [0.2, 1.5]}')
    (tmp_path / "endonly.md").write_text("# End only\n")
    (tmp_path / "endonly.json").write_text('{"load": "2.36"}')
    merged = bench_results.merge(tmp_path)
    assert "| 8.91 / 12.25 |" in merged and "| 0.20 / 1.50 |" in merged
    assert "| ? / 2.36 |" in merged
