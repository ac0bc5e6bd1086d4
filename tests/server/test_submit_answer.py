"""Submit-answer problems over HTTP: answer files in `files`, language `answer` (docs/api.md)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import APLUSB_CODE, LiveServer, write_problems

PACKAGES = Path(__file__).resolve().parents[1] / "data" / "packages"


@pytest.fixture(scope="module")
def answer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Not in pytest's 0700 tmp: the output validator's box mounts the package from here.
    outer = Path(tempfile.mkdtemp(prefix="judgebox-answers-test-"))
    outer.chmod(0o711)
    library = write_problems(outer / "library")
    for name in ("submitanswer", "submitanswersingle"):
        shutil.copytree(PACKAGES / name, library / name)
    for path in [library, *library.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    live = LiveServer(tmp_path_factory.mktemp("server"), library)
    try:
        live.wait_healthy()
        yield live
    finally:
        live.stop()
        shutil.rmtree(outer, ignore_errors=True)


def post(server: LiveServer, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{server.url}/validate-dataset", json=body, timeout=120)


def test_answer_files_are_judged_per_case(answer_server: LiveServer) -> None:
    files = {"1.out": "7\n", "secret.2.out": "-12\n"}
    response = post(answer_server, {"problem": "submitanswer", "language": "answer",
                                    "files": files})  # fmt: skip
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["summary"]["verdict"] == "AC", (document["cases"], document["summary"])
    assert [c["verdict"] for c in document["cases"]] == ["AC", "AC"]
    assert all(c["timeMs"] == 0 for c in document["cases"])  # no program ran


def test_a_wrong_answer_keeps_the_validators_message_secret(answer_server: LiveServer) -> None:
    response = post(answer_server, {"problem": "submitanswer", "language": "answer",
                                    "files": {"1.out": "7\n", "2.out": "13\n"}})  # fmt: skip
    document = response.json()
    assert document["summary"]["verdict"] == "WA"
    wrong = document["cases"][1]
    assert wrong["verdict"] == "WA" and "144" not in wrong["feedback"]  # the input stays secret


def test_one_answer_for_a_one_case_problem(answer_server: LiveServer) -> None:
    body = {"problem": "submitanswersingle", "language": "answer", "code": "42\n"}
    assert post(answer_server, body).json()["summary"]["verdict"] == "AC"


def test_a_program_for_answers_and_answers_for_a_program_are_422(
    answer_server: LiveServer,
) -> None:
    program = post(answer_server, {"problem": "submitanswersingle", "language": "python3",
                                   "code": "print(42)\n"})  # fmt: skip
    assert program.status_code == 422 and "answer" in program.text
    answers = post(answer_server, {"problem": "aplusb", "language": "answer",
                                   "code": APLUSB_CODE})  # fmt: skip
    assert answers.status_code == 422 and "takes a program" in answers.text
