"""Malformed requests get a 4xx, never a 500 (issue 10, finding 9), against a real server.

And a request for an unknown problem, which scans the whole library to name the
known ones, does so off the event loop: the server answers others meanwhile.
"""

from __future__ import annotations

import concurrent.futures
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_server import APLUSB_CODE, SLOW_CODE, LiveServer, write_problems

JSON = {"Content-Type": "application/json"}
RUN = '{"problem": "aplusb", "language": "python3", "code": "print(3)", %s}'


def error_of(response: httpx.Response) -> dict[str, str]:
    """The {"code", "message"} of an error answer (and it has exactly that shape)."""
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    error: dict[str, str] = body["error"]
    return error


BAD_BODIES = [
    (b"[" * 200_000 + b"]" * 200_000, "nested deeper than 32"),
    (b'{"a":' * 150_000 + b"1" + b"}" * 150_000, "nested deeper than 32"),
    (b"[" * 200_000, "nested deeper than 32"),  # unclosed, too
    ((RUN % '"cases": %s').encode() % (b"[" * 40 + b"]" * 40), "nested deeper than 32"),
    ((RUN % '"stopOnFirstFailure": %s').encode() % (b"9" * 5000), "too many digits"),
    ((RUN % '"x": -%s').encode() % (b"1" * 4301), "too many digits"),
    ((RUN % '"stopOnFirstFailure": 1e999999').encode(), "stopOnFirstFailure"),
    ((RUN % '"stopOnFirstFailure": NaN').encode(), "stopOnFirstFailure"),
    ((RUN % '"stopOnFirstFailure": 1').encode(), "stopOnFirstFailure"),
    (b'{"problem": "aplusb", "language": "python3", "code": null}', "code"),
    (b'{"problem": "aplusb", "language": "python3", "code": {"a": 1}}', "code"),
    (b'{"problem": ["aplusb"], "language": "python3", "code": "x"}', "problem"),
    (b'{"problem": "aplusb", "language": 3, "code": "x"}', "language"),
    (b'{"language": "python3", "code": "x", "cases": [{"input": "\\ud800", "answer": ""}]}',
     "UTF-8"),
    (b'{"language": "python3", "code": "x", "cases": [{"name": "\\udfff", "input": "",'
     b' "answer": ""}]}', "UTF-8"),
    (b'{"language": "python3", "code": "x", "cases": {"input": "", "answer": ""}}', "cases"),
    (b'{"CODE": "x", "Code": "y", "language": "python3", "problem": "aplusb"}', "twice"),
    (b'"\\ud800"', "JSON object"),
    (b"", "malformed JSON"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "mentions"), BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_hostile_bodies_get_400(server: LiveServer, body: bytes, mentions: str) -> None:
    for path in ("/runs", "/validate-dataset"):
        response = httpx.post(f"{server.url}{path}", content=body, headers=JSON, timeout=60)
        assert response.status_code == 400, (path, response.text[:300])
        assert mentions in error_of(response)["message"], response.text[:300]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"\\ud800": 1, "problem": "aplusb", "language": "python3", "code": "print(3)"}', 202),
        (b'{"problem": "aplusb", "language": "\\ud800", "code": "x"}', 422),
        (b'{"problem": "\\udfff", "language": "python3", "code": "x"}', 404),
        (b'{"problem": "nosuch\\u0000", "language": "python3", "code": "x"}', 404),
        (b'{"PROBLEM": "aplusb", "\\u004cANGUAGE": "python3", "code": "print(3)"}', 202),
    ],
)
def test_surrogates_and_escapes_in_names_get_their_ordinary_answer(
    server: LiveServer, body: bytes, status: int
) -> None:
    response = httpx.post(f"{server.url}/runs", content=body, headers=JSON)
    assert response.status_code == status, response.text
    if status == 202:
        httpx.delete(f"{server.url}/runs/{response.json()['runId']}", timeout=30)
    else:
        error_of(response)


@pytest.mark.parametrize(
    "last_event_id", ["9" * 5000, "1" * 21, "\u00b2", "\u00b9\u00b2", "-1", "1e3", "0x10"]
)
def test_last_event_id_that_is_not_a_short_number_gets_400(
    server: LiveServer, last_event_id: str
) -> None:
    body = {"problem": "aplusb", "language": "python3", "code": APLUSB_CODE}
    run_id = httpx.post(f"{server.url}/runs", json=body).json()["runId"]
    response = httpx.get(f"{server.url}/runs/{run_id}/events",
                         headers=[(b"Last-Event-ID", last_event_id.encode("latin-1"))])  # fmt: skip
    assert response.status_code == 400, response.text
    assert "Last-Event-ID" in error_of(response)["message"]


def test_last_event_id_past_the_end_still_streams_to_complete(server: LiveServer) -> None:
    body = {"problem": "aplusb", "language": "python3", "code": APLUSB_CODE}
    run_id = httpx.post(f"{server.url}/runs", json=body).json()["runId"]
    with httpx.stream("GET", f"{server.url}/runs/{run_id}/events", timeout=60,
                      headers={"Last-Event-ID": "3"}) as stream:  # fmt: skip
        text = "".join(stream.iter_text())
    assert stream.status_code == 200 and "id: 1\n" not in text and "event: complete" in text


def test_content_length_that_is_not_a_number_is_refused_without_a_500(server: LiveServer) -> None:
    for length in (b"\xb2", b"9" * 5000, b"-1", b"1e3"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(b"POST /runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nContent-Length: " + length +
                         b"\r\nConnection: close\r\n\r\n{}")  # fmt: skip
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        status = int(answer.split(b" ", 2)[1])
        assert 400 <= status < 500, (length[:20], answer[:300])


# A problem.yaml that PyYAML (pure Python) takes seconds to parse: a slow package.
SLOW_YAML_ITEMS = 150_000


@pytest.fixture
def slow_library_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server whose library holds `aplusb` and a package that takes seconds to load."""
    problems = write_problems(tmp_path / "problems")
    slow = problems / "slow"
    (slow / "data" / "secret").mkdir(parents=True)
    items = "".join(f"  - {i}\n" for i in range(SLOW_YAML_ITEMS))
    (slow / "problem.yaml").write_text(f"name: Slow to load\nfiller:\n{items}")
    (slow / "data" / "secret" / "1.in").write_text("1\n")
    (slow / "data" / "secret" / "1.ans").write_text("1\n")
    (tmp_path / "server").mkdir()
    live = LiveServer(tmp_path / "server", problems)
    try:
        live.wait_healthy()
        yield live
    finally:
        live.stop()


def test_loading_a_slow_package_is_off_the_event_loop(slow_library_server: LiveServer) -> None:
    server = slow_library_server
    body = {"problem": "slow", "language": "python3", "code": SLOW_CODE}
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        loading = pool.submit(httpx.post, f"{server.url}/runs", json=body, timeout=120)
        time.sleep(0.5)  # the load has begun (it takes seconds)
        health = httpx.get(f"{server.url}/healthz", timeout=120)
        answered_after = time.monotonic() - started
        load_running = not loading.done()
        response = loading.result()
        load_took = time.monotonic() - started
    assert response.status_code == 202, response.text
    httpx.delete(f"{server.url}/runs/{response.json()['runId']}")
    assert health.status_code == 200
    # The point is "not blocked": /healthz answered while the load still ran.
    assert load_running and answered_after < load_took / 2, (answered_after, load_took)


def test_an_unknown_problem_is_named_from_the_folders(slow_library_server: LiveServer) -> None:
    # The known names are the library's folders: no package is loaded to list them.
    body = {"problem": "nosuch", "language": "python3", "code": SLOW_CODE}
    response = httpx.post(f"{slow_library_server.url}/runs", json=body, timeout=120)
    assert response.status_code == 404, response.text
    assert "known problems: aplusb, slow" in error_of(response)["message"]
