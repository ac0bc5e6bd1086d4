"""Scale-out parity: what a local server judges, a NATS node judges the same way.

One local `judgebox serve` and one `judgebox serve --nats` with a worker, both on
the example config's TLS users (so the permissions are proven to suffice), the
same library and settings. For each kind of run a local server accepts (custom
input against a problem's reference solution, custom input with no reference,
per-request limits, the default checker's flags for inline cases, submit-answer
answer files, and a request larger than one NATS message), the same request gives
the same events on both: compared whole, except ids, times and memory.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import Cluster
from nats.js.errors import KeyNotFoundError
from scaleout_cluster import sse_events, wait_for
from secure_nats import API_USER

from judgebox.scaleout.streams import RUNS_BUCKET, connect
from judgebox.settings import settings_from_env

ROOT = Path(__file__).resolve().parents[2]
APLUSB = "a, b = map(int, input().split())\nprint(a + b)\n"
SUBTRACTS = "a, b = map(int, input().split())\nprint(a - b)\n"
COUNTS = "import sys\nprint(len(sys.stdin.buffer.read()))\n"
LARGE = 1_500_000  # bytes of input: over NATS's default max_payload of 1 MiB
# Differ between two runs of the same program on two machines: left out of the comparison.
_VARYING = {"runId", "timeMs", "wallTimeMs", "memoryKb", "cached", "created"}


def write_library(root: Path) -> Path:
    """The bundled aplusb (a C++ reference, an input validator) and hypotenuse (float
    tolerance), aplusb without its submissions (no reference), a submit-answer problem."""
    for name in ("aplusb", "hypotenuse"):
        shutil.copytree(ROOT / "problems" / name, root / name)
    shutil.copytree(ROOT / "problems" / "aplusb", root / "noref",
                    ignore=shutil.ignore_patterns("submissions"))  # fmt: skip
    shutil.copytree(ROOT / "tests" / "data" / "packages" / "submitanswer", root / "submitanswer")
    return root


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Cluster]]:
    """(the local node's URL, a secure JetStream cluster: one API node, one worker)."""
    # pytest's tmp dirs are 0700: an output validator's box mounts its package from here.
    scratch = Path(tempfile.mkdtemp(prefix="judgebox-parity-"))
    scratch.chmod(0o755)
    library = write_library(scratch)
    local = Cluster(tmp_path_factory.mktemp("parity-local"), library, "local")
    remote = Cluster(tmp_path_factory.mktemp("parity-nats"), library, "secure")
    try:
        for cluster in (local, remote):
            cluster.env["JUDGEBOX_MAX_BODY_BYTES"] = "4m"  # room for LARGE
        local_url = local.add_api().url
        remote.add_api()
        remote.add_worker()
        yield local_url, remote
    finally:
        local.stop()
        remote.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    remote.assert_permissions_sufficed()


def events(url: str, body: dict[str, Any]) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    """The run id and SSE events of a /validate-dataset run: (event, data) with what varies
    left out."""
    headers = {"Accept": "text/event-stream"}
    with httpx.stream(
        "POST", f"{url}/validate-dataset", json=body, headers=headers, timeout=180
    ) as response:
        assert response.status_code == 200, response.read()
        got = list(sse_events(response))
    assert [ident for ident, _, _ in got] == list(range(1, len(got) + 1))
    return got[0][2]["runId"], [(name, _steady(data)) for _, name, data in got]


def _steady(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _steady(v) for k, v in value.items() if k not in _VARYING}
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


def same_on_both(nodes: tuple[str, Cluster], body: dict[str, Any]) -> list[dict[str, Any]]:
    """Judge `body` on the local node and on the NATS node; assert the same events; the
    case results."""
    return judged_alike(nodes, body)[1]


def judged_alike(
    nodes: tuple[str, Cluster], body: dict[str, Any]
) -> tuple[str, list[dict[str, Any]]]:
    """`same_on_both`, and the run id on the NATS node."""
    local_url, remote = nodes
    _, here = events(local_url, body)
    run_id, there = events(remote.api[0].url, body)
    assert there == here
    assert here[-1][1]["status"] == "finished", here[-1]
    return run_id, [data for name, data in here if name == "case-result"]


def test_custom_input_is_judged_by_the_reference_on_a_worker(
    nodes: tuple[str, Cluster],
) -> None:
    body = {"problem": "aplusb", "language": "python3", "code": APLUSB,
            "cases": [{"input": "20 22\n"}, {"name": "bad", "input": "1 x\n"}]}  # fmt: skip
    cases = same_on_both(nodes, body)
    assert cases[0]["verdict"] == "AC" and cases[0]["answer"] == "42\n", cases
    assert cases[0]["reference"].startswith("submissions/accepted/")
    assert cases[1]["verdict"] == "RAN" and cases[1]["inputRejected"], cases
    wrong = same_on_both(nodes, {**body, "code": SUBTRACTS, "cases": body["cases"][:1]})
    assert wrong[0]["verdict"] == "WA" and wrong[0]["output"] == "-2\n"


def test_custom_input_without_a_reference_ran_with_no_verdict(nodes: tuple[str, Cluster]) -> None:
    named = same_on_both(nodes, {"problem": "noref", "language": "python3", "code": APLUSB,
                                 "cases": [{"input": "6 7\n"}]})  # fmt: skip
    assert named[0]["verdict"] == "RAN" and named[0]["output"] == "13\n"
    mixed = [{"input": "1 2\n"}, {"input": "3 4\n", "answer": "8\n"}]
    inline = same_on_both(nodes, {"language": "python3", "code": APLUSB, "cases": mixed})
    assert [c["verdict"] for c in inline] == ["RAN", "WA"]


def test_per_request_limits_apply_on_a_worker(nodes: tuple[str, Cluster]) -> None:
    # 200 MB is fine under aplusb's own memory limit, over the request's 64 MiB.
    hungry = "x = bytearray(200 * 1024 * 1024)\n" + APLUSB
    body = {"problem": "aplusb", "language": "python3", "code": hungry,
            "stopOnFirstFailure": True, "limits": {"memory": "64m", "time": "1.5s"}}  # fmt: skip
    cases = same_on_both(nodes, body)
    assert cases[0]["verdict"] == "MLE", cases
    unlimited = same_on_both(nodes, {k: v for k, v in body.items() if k != "limits"})
    assert unlimited[0]["verdict"] == "AC", unlimited


def test_validator_flags_of_inline_cases_apply_on_a_worker(nodes: tuple[str, Cluster]) -> None:
    cases = [{"input": "1 2\n", "answer": "3.0000001\n"}, {"input": "2 2\n", "answer": "5\n"}]
    body = {"language": "python3", "code": APLUSB, "cases": cases}
    flagged = same_on_both(nodes, {**body, "validatorFlags": "float_tolerance 1e-6"})
    assert [c["verdict"] for c in flagged] == ["AC", "WA"]
    plain = same_on_both(nodes, body)
    assert [c["verdict"] for c in plain] == ["WA", "WA"]


def test_submit_answer_runs_are_taken_by_a_worker(nodes: tuple[str, Cluster]) -> None:
    package = ROOT / "tests" / "data" / "packages" / "submitanswer"
    full = package / "submissions" / "accepted" / "full"
    answers = {path.name: path.read_text() for path in sorted(full.iterdir())}
    cases = same_on_both(nodes, {"problem": "submitanswer", "language": "answer",
                                 "files": answers})  # fmt: skip
    assert cases and all(c["verdict"] == "AC" for c in cases), cases
    first = sorted(answers)[0]
    partial = same_on_both(nodes, {"problem": "submitanswer", "language": "answer",
                                   "files": {first: answers[first]}})  # fmt: skip
    assert [c["verdict"] for c in partial][1:] == ["WA"] * (len(partial) - 1)


def test_a_request_over_one_nats_message_travels_in_pieces(nodes: tuple[str, Cluster]) -> None:
    text = ("7 " * (LARGE // 2)).strip() + "\n"
    body = {"language": "python3", "code": COUNTS,
            "cases": [{"input": text, "answer": f"{len(text)}\n"}, {"input": text}]}  # fmt: skip
    inline_run, cases = judged_alike(nodes, body)
    assert [c["verdict"] for c in cases] == ["AC", "RAN"], cases
    assert cases[1]["output"] == f"{len(text)}\n"
    custom_run, custom = judged_alike(nodes, {
        "problem": "aplusb", "language": "python3", "code": APLUSB,
        "cases": [{"input": "20 22\n" + " " * LARGE}],
    })  # fmt: skip
    assert custom[0]["verdict"] in ("AC", "RAN"), custom
    # They did travel in pieces, and the submitting node purges them once the run is complete.
    _, remote = nodes
    for run_id in (inline_run, custom_run):
        wait_for(lambda r=run_id: asyncio.run(_pieces(remote, r)) == [False, False], 10,
                 f"the pieces of run {run_id} purged")  # fmt: skip


async def _pieces(cluster: Cluster, run_id: str) -> list[bool]:
    """Whether pieces 0 and 1 of a run's job still hold a value: [False, False] once
    purged; fails if they were never stored (the job did not travel in pieces)."""
    assert cluster.nats is not None
    settings = settings_from_env(cluster.nats.role_env(API_USER), nats_url=cluster.nats.url)
    client = await connect(settings, "parity-test")
    try:
        bucket = await client.jetstream().key_value(RUNS_BUCKET)
        held = []
        for key in (f"job.{run_id}.0", f"job.{run_id}.1"):
            try:
                entry = await bucket.get(key)
            except KeyNotFoundError as exc:  # a purge marker reads as "deleted", not missing
                assert exc.op is not None, f"{key} was never stored"
                held.append(False)
                continue
            held.append(bool(entry.value))
        return held
    finally:
        await client.close()
