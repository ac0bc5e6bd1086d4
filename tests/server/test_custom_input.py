"""Custom input (issue 14): a real server judges the person's input against the reference.

The library holds copies of the bundled aplusb (with its input validator),
hypotenuse (float tolerance) and guess (interactive), plus two made here:
`noref` (no accepted submission), `slowref` (its reference loops on a
negative number, so such an input is outside the problem) and `busyref` (its
reference spends half a second of CPU on any input).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse
from live_server import APLUSB_CODE, LiveServer

BUNDLED = Path(__file__).resolve().parents[2] / "problems"
SSE = {"Accept": "text/event-stream"}
SUBTRACTS = "a, b = map(int, input().split())\nprint(a - b)\n"
LOOPS_ON_NEGATIVE = "n = int(input())\nwhile n < 0:\n    pass\nprint(n * 2)\n"
SLEEPS = "import time\ntime.sleep(30)\n"
# Half a second of CPU, then the answer: within busyref's own 2 s, not within 0.2 s.
BUSY_THEN_DOUBLE = (
    "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5:\n    pass\n"
    "print(int(input()) * 2)\n"
)


def write_library(root: Path) -> Path:
    """aplusb, hypotenuse and guess from the bundled problems; the others made here."""
    for name in ("aplusb", "hypotenuse", "guess"):
        shutil.copytree(BUNDLED / name, root / name)
    noref = root / "noref"
    shutil.copytree(BUNDLED / "aplusb", noref, ignore=shutil.ignore_patterns("submissions"))
    slowref = root / "slowref"
    (slowref / "data" / "sample").mkdir(parents=True)
    (slowref / "problem.yaml").write_text("name: Double\n")
    (slowref / ".timelimit").write_text("1\n")
    (slowref / "data" / "sample" / "1.in").write_text("2\n")
    (slowref / "data" / "sample" / "1.ans").write_text("4\n")
    (slowref / "submissions" / "accepted").mkdir(parents=True)
    (slowref / "submissions" / "accepted" / "double.py").write_text(LOOPS_ON_NEGATIVE)
    busyref = root / "busyref"
    shutil.copytree(slowref, busyref)
    (busyref / ".timelimit").write_text("2\n")
    (busyref / "submissions" / "accepted" / "double.py").write_text(BUSY_THEN_DOUBLE)
    return root


@pytest.fixture(scope="module")
def custom_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    library = write_library(tmp_path_factory.mktemp("library"))
    live = LiveServer(tmp_path_factory.mktemp("server"), library)
    try:
        live.wait_healthy()
        yield live
    finally:
        live.stop()


def judge(server: LiveServer, body: dict[str, Any]) -> dict[str, Any]:
    """The JSON-mode document of a /validate-dataset run."""
    response = httpx.post(f"{server.url}/validate-dataset", json=body, timeout=120)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def custom(
    problem: str | None, code: str, *inputs: str, language: str = "python3"
) -> dict[str, Any]:
    body: dict[str, Any] = {"language": language, "code": code,
                            "cases": [{"input": text} for text in inputs]}  # fmt: skip
    if problem is not None:
        body["problem"] = problem
    return body


def test_pass_fail_problem_ac_and_wa_against_the_reference(custom_server: LiveServer) -> None:
    ok = judge(custom_server, custom("aplusb", APLUSB_CODE, "20 22\n", "-5 100000000000\n"))
    assert [c["verdict"] for c in ok["cases"]] == ["AC", "AC"]
    first = ok["cases"][0]
    assert first["reference"] == "submissions/accepted/aplusb.cpp"  # C++ first, by the rule
    assert first["input"] == "20 22\n" and first["answer"] == "42\n" and first["output"] == "42\n"
    assert first["stderr"] == "" and first["outputTruncated"] is False
    assert "inputRejected" not in first
    assert ok["summary"]["verdict"] == "AC" and ok["summary"]["passed"] == 2

    wrong = judge(custom_server, custom("aplusb", SUBTRACTS, "20 22\n"))
    case = wrong["cases"][0]
    assert case["verdict"] == "WA" and case["answer"] == "42\n" and case["output"] == "-2\n"
    assert "expected" in case["feedback"]
    assert wrong["summary"]["verdict"] == "WA" and wrong["summary"]["failed"] == 1


def test_float_tolerance_problem_uses_its_flags(custom_server: LiveServer) -> None:
    precise = "import math\na, b = map(int, input().split())\nprint(f'{math.hypot(a, b):.7f}')\n"
    rough = precise.replace(".7f", ".2f")
    ok = judge(custom_server, custom("hypotenuse", precise, "2 3\n"))["cases"][0]
    # 3.6055513 is 1e-7 away from the reference's 3.605551275: within float_tolerance 1e-6
    assert ok["verdict"] == "AC" and ok["output"] != ok["answer"], ok
    wrong = judge(custom_server, custom("hypotenuse", rough, "2 3\n"))["cases"][0]
    assert wrong["verdict"] == "WA" and wrong["output"] == "3.61\n"


def test_interactive_problem_the_validator_is_the_references_partner(
    custom_server: LiveServer,
) -> None:
    code = (BUNDLED / "guess" / "submissions" / "accepted" / "binary_search.py").read_text()
    ok = judge(custom_server, custom("guess", code, "777\n"))["cases"][0]
    assert ok["verdict"] == "AC" and ok["reference"].startswith("submissions/accepted/")
    slow = (BUNDLED / "guess" / "submissions" / "wrong_answer" / "counts_up.py").read_text()
    wrong = judge(custom_server, custom("guess", slow, "777\n"))["cases"][0]
    assert wrong["verdict"] == "WA" and "more than 30 guesses" in wrong["feedback"]
    outside = judge(custom_server, custom("guess", code, "0\n"))["cases"][0]
    assert outside["verdict"] == "RAN" and "interactive validator" in outside["inputRejected"]


def test_without_a_reference_it_ran_with_no_verdict(custom_server: LiveServer) -> None:
    code = "import sys\na, b = map(int, input().split())\nprint(a * b)\n"
    code += "print('dbg', file=sys.stderr)\n"
    document = judge(custom_server, custom("noref", code, "6 7\n"))
    case = document["cases"][0]
    assert case["verdict"] == "RAN" and case["output"] == "42\n" and case["stderr"] == "dbg\n"
    assert "reference" not in case and "answer" not in case and case["exitCode"] == 0
    assert document["summary"]["verdict"] == "RAN"
    assert document["summary"]["unjudged"] == 1 and document["summary"]["passed"] == 0
    assert document["summary"]["failed"] == 0 and document["summary"]["completed"] is True
    # Inline, no problem at all: the same; a crash is still a real RTE.
    inline = judge(custom_server, custom(None, "print(input()[::-1])\n", "abc\n"))["cases"][0]
    assert inline["verdict"] == "RAN" and inline["output"] == "cba\n"
    crash = judge(custom_server, custom(None, "raise SystemExit(3)\n", "x\n"))["cases"][0]
    assert crash["verdict"] == "RTE" and crash["exitCode"] == 3


def test_long_output_is_capped_and_marked(custom_server: LiveServer) -> None:
    code = "print('x' * 100000)\n"
    case = judge(custom_server, custom(None, code, "\n"))["cases"][0]
    assert case["outputTruncated"] is True and case["output"].endswith("(truncated)")
    assert len(case["output"]) < 5000


def test_input_validator_rejects_invalid_input(custom_server: LiveServer) -> None:
    case = judge(custom_server, custom("aplusb", APLUSB_CODE, "1 two\n"))["cases"][0]
    assert case["verdict"] == "RAN"
    assert case["inputRejected"].startswith("the input validator input_validators/validate.py")
    assert "two integers" in case["inputRejected"]
    assert "answer" not in case


def test_reference_timing_out_means_the_input_is_outside(custom_server: LiveServer) -> None:
    document = judge(custom_server, custom("slowref", "print(int(input()) * 2)\n", "-1\n", "5\n"))
    outside, inside = document["cases"]
    assert outside["verdict"] == "RAN" and outside["output"] == "-2\n"
    assert (
        "submissions/accepted/double.py exceeded the time limit of 1 s"
        in (outside["inputRejected"])
    )
    assert "outside the problem" in outside["feedback"]
    assert inside["verdict"] == "AC" and inside["answer"] == "10\n"


def test_cancel_mid_run_kills_both_boxes(custom_server: LiveServer) -> None:
    body = custom("slowref", SLEEPS, "-1\n")  # the reference spins, the submission sleeps
    run_id = httpx.post(f"{custom_server.url}/runs", json=body).json()["runId"]
    # Both boxes up: at least the two programs (plus their bwrap parents) are alive.
    deadline = 30.0
    start = time.monotonic()
    while len(custom_server.sandboxed_pids()) < 4 and time.monotonic() - start < deadline:
        time.sleep(0.01)
    assert len(custom_server.sandboxed_pids()) >= 4
    deleted = httpx.delete(f"{custom_server.url}/runs/{run_id}")
    assert deleted.json()["status"] == "cancelled"
    assert custom_server.sandboxed_pids() == set()


def test_limits_lower_the_problems_and_caps_are_refused(custom_server: LiveServer) -> None:
    slow = "n = 0\nfor i in range(10**9):\n    n += i\n"
    lowered = custom("aplusb", slow, "1 2\n") | {"limits": {"time": "300ms"}}
    case = judge(custom_server, lowered)["cases"][0]
    # CPU 0.3 s, or under a loaded host its wall limit 2 x 0.3 + 1 = 1.6 s (aplusb's own: 3 s)
    assert case["verdict"] == "TLE", case
    assert "limit of 0.3 s" in case["feedback"] or "limit of 1.6 s" in case["feedback"], case
    raised = custom("aplusb", APLUSB_CODE, "1 2\n") | {"limits": {"time": 60}}
    refused = httpx.post(f"{custom_server.url}/validate-dataset", json=raised)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "limit-above-cap"
    assert "max_time_limit = 10 s" in refused.json()["error"]["message"]
    memory = custom(None, APLUSB_CODE, "1 2\n") | {"limits": {"memory": "64g"}}
    refused = httpx.post(f"{custom_server.url}/validate-dataset", json=memory)
    assert refused.status_code == 422 and "max_memory_limit" in refused.text


def test_a_lowered_limit_is_the_programs_not_the_references(custom_server: LiveServer) -> None:
    # The reference runs under its package's own 2 s, whatever the request asks of the
    # person's program (else it would time out and call the input outside the problem).
    body = custom("busyref", "print(int(input()) * 2)\n", "21\n") | {"limits": {"time": 0.2}}
    case = judge(custom_server, body)["cases"][0]
    assert case["verdict"] == "AC" and case["answer"] == "42\n", case
    assert not case.get("inputRejected"), case


def test_inline_validator_flags(custom_server: LiveServer) -> None:
    body = {"language": "python3", "code": "print('3.1416')\n",
            "cases": [{"input": "\n", "answer": "3.14159265\n"}]}  # fmt: skip
    assert judge(custom_server, body)["cases"][0]["verdict"] == "WA"
    flagged = body | {"validatorFlags": "float_tolerance 1e-4"}
    assert judge(custom_server, flagged)["cases"][0]["verdict"] == "AC"
    upper = {"language": "python3", "code": "print('YES')\n", "validatorFlags": ["case_sensitive"],
             "cases": [{"input": "\n", "answer": "yes\n"}]}  # fmt: skip
    assert judge(custom_server, upper)["cases"][0]["verdict"] == "WA"
    bad = body | {"validatorFlags": "float_tolerance"}
    response = httpx.post(f"{custom_server.url}/validate-dataset", json=bad)
    assert response.status_code == 400 and "float_tolerance" in response.text
    named = custom("aplusb", APLUSB_CODE, "1 2\n") | {"validatorFlags": "case_sensitive"}
    assert httpx.post(f"{custom_server.url}/validate-dataset", json=named).status_code == 400


def test_json_mode_and_sse_mode_carry_the_same_fields(custom_server: LiveServer) -> None:
    body = custom("aplusb", APLUSB_CODE, "1 2\n", "1 x\n")
    document = judge(custom_server, body)
    with (
        httpx.Client(timeout=120) as client,
        connect_sse(
            client, "POST", f"{custom_server.url}/validate-dataset", json=body, headers=SSE
        ) as source,  # fmt: skip
    ):
        events = list(source.iter_sse())
    streamed = [e.json() for e in events if e.event == "case-result"]
    strip = ("timeMs", "wallTimeMs", "memoryKb")
    assert [{k: v for k, v in c.items() if k not in strip} for c in streamed] == [
        {k: v for k, v in c.items() if k not in strip} for c in document["cases"]
    ]
    complete = next(e.json() for e in events if e.event == "complete")
    assert complete["unjudged"] == document["summary"]["unjudged"] == 1
