"""Every endpoint of docs/api.md against a real server, and every error status it can answer."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest
from live_server import APLUSB_CODE, SLOW_CODE, LiveServer, StartServer


def post(
    server: LiveServer, body: object, path: str = "/validate-dataset", **kw: object
) -> httpx.Response:
    """POST a JSON body (JSON mode)."""
    return httpx.post(f"{server.url}{path}", json=body, timeout=60, **kw)  # type: ignore[arg-type]


def error_of(response: httpx.Response) -> dict[str, str]:
    """The {"code", "message"} of an error answer (and it has exactly that shape)."""
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    error: dict[str, str] = body["error"]
    return error


def test_healthz_languages_problems(server: LiveServer) -> None:
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    languages = httpx.get(f"{server.url}/languages").json()
    ids = {language["id"] for language in languages}
    assert {"c", "python3"} <= ids
    fields = {"id", "name", "version", "compiled", "extensions", "aliases", "entry", "compile",
              "run"}  # fmt: skip
    assert all(set(lang) == fields for lang in languages)
    python = next(lang for lang in languages if lang["id"] == "python3")
    assert python["extensions"] == [".py", ".py3"] and python["entry"] == "main.py"
    assert python["run"] == "/usr/bin/python3 -B {file}"
    assert python["compile"] == "/usr/bin/python3 -S -B -m py_compile {files}"
    problems = httpx.get(f"{server.url}/problems").json()
    assert problems == [
        {"name": "aplusb", "title": "A plus B", "totalCases": 4, "sampleCases": 1,
         "timeLimit": None, "memoryLimit": 2048 << 20},  # the spec's default memory
    ]  # fmt: skip


def test_problem_detail_has_statement_and_samples(server: LiveServer) -> None:
    detail = httpx.get(f"{server.url}/problems/aplusb").json()
    assert detail["name"] == "aplusb" and detail["totalCases"] == 4
    assert detail["statementFormat"] == "markdown" and "Add a and b" in detail["statement"]
    assert detail["samples"] == [{"name": "sample/1", "input": "1 2\n", "answer": "3\n"}]
    # no limit stated and no submissions to infer one from: the server's default
    assert (detail["timeLimit"], detail["timeLimitSource"]) == (2.0, "default")
    assert (detail["outputLimit"], detail["scoring"]) == (8 << 20, False)


def test_page_static_openapi_metrics(server: LiveServer) -> None:
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    script = httpx.get(f"{server.url}/static/api.js")
    assert script.status_code == 200 and "validateDataset" in script.text
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/validate-dataset", "/runs", "/runs/{run_id}", "/runs/{run_id}/events"} <= set(
        spec["paths"]
    )
    body = spec["paths"]["/validate-dataset"]["post"]["requestBody"]
    assert "code" in body["content"]["application/json"]["schema"]["properties"]
    metrics = httpx.get(f"{server.url}/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    names = (
        "judgebox_runs_started_total",
        "judgebox_queue_length",
        "judgebox_cancel_to_dead_seconds_bucket",
        'judgebox_runs_cancelled_total{reason="client"}',
    )
    for name in names:
        assert name in metrics.text


def test_json_mode_document(server: LiveServer) -> None:
    response = post(server, {"problem": "aplusb", "language": "python3", "code": APLUSB_CODE})
    assert response.status_code == 200
    doc = response.json()
    assert doc["problem"] == "aplusb" and doc["language"] == "python3" and doc["totalCases"] == 4
    assert doc["compile"]["ok"] is True
    assert [c["verdict"] for c in doc["cases"]] == ["AC"] * 4
    assert doc["cases"][0]["output"] == "3\n" and "output" not in doc["cases"][1]
    assert doc["summary"] == {"verdict": "AC", "passed": 4, "failed": 0, "skipped": 0,
                              "completed": True, "status": "finished"}  # fmt: skip


def test_field_names_ignore_case(server: LiveServer) -> None:
    body = {"PROBLEM": "aplusb", "Language": "python3", "CoDe": "print(0)\n",
            "STOPONFIRSTFAILURE": True}  # fmt: skip
    doc = post(server, body).json()
    assert [c["verdict"] for c in doc["cases"]] == ["WA", "SKIPPED", "SKIPPED", "SKIPPED"]
    assert doc["summary"]["verdict"] == "WA" and doc["summary"]["skipped"] == 3


def test_inline_cases_and_their_files_are_removed(server: LiveServer) -> None:
    cases = [
        {"name": "one", "input": "2 2\n", "answer": "4\n"},
        {"input": "1 1\n", "answer": "3\n"},
    ]
    doc = post(server, {"language": "python3", "code": APLUSB_CODE, "cases": cases}).json()
    assert [(c["name"], c["verdict"]) for c in doc["cases"]] == [("one", "AC"), ("2", "WA")]
    deadline = time.monotonic() + 5  # removed by a chore right after the run's end
    while list(server.work_root.glob("p*/runs/*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(server.work_root.glob("p*/runs/*")) == []


def test_compile_error(server: LiveServer) -> None:
    doc = post(server, {"problem": "aplusb", "language": "c", "code": "int main( {"}).json()
    assert doc["compile"]["ok"] is False and doc["compile"]["output"]
    assert doc["summary"]["status"] == "compile-error" and doc["summary"]["verdict"] == "CE"


BAD_REQUESTS = [
    (b'{"problem": "aplusb", "language": ', "bad-request", "malformed JSON"),
    (b'["aplusb"]', "bad-request", "JSON object"),
    (b'{"problem": "aplusb", "language": "python3", "code": 5}', "bad-request", "code"),
    (b'{"problem": "aplusb", "code": "print(1)"}', "bad-request", "language"),
    (b'{"problem": "aplusb", "language": "python3", "code": "x", "stopOnFirstFailure": "yes"}',
     "bad-request", "stopOnFirstFailure"),
    (b'{"language": "python3", "code": "print(1)"}', "bad-request", "problem"),
    (b'{"problem": "aplusb", "language": "python3", "code": "\xff\xfe"}', "code-not-utf8", "UTF-8"),
    (b'{"problem": "aplusb", "language": "python3", "code": "\\ud800"}', "code-not-utf8", "UTF-8"),
    (b'{"problem": "a", "Problem": "b", "language": "python3", "code": "x"}',
     "bad-request", "twice"),
    (b'{"language": "python3", "code": "x", "cases": [{"input": 1, "answer": "1"}]}',
     "bad-request", "input"),
    (b'{"language": "python3", "code": "x", "cases": []}', "bad-request", "cases"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "code", "mentions"), BAD_REQUESTS)
def test_400_for_bad_bodies(server: LiveServer, body: bytes, code: str, mentions: str) -> None:
    for path in ("/validate-dataset", "/runs"):
        response = httpx.post(f"{server.url}{path}", content=body,
                              headers={"Content-Type": "application/json"})  # fmt: skip
        assert response.status_code == 400, response.text
        error = error_of(response)
        assert error["code"] == code and mentions in error["message"], error


def test_404s(server: LiveServer) -> None:
    code = {"language": "python3", "code": "print(1)"}
    for name in ("nosuch", "../aplusb", "/etc/passwd", "aplusb/../aplusb", ""):
        response = post(server, {**code, "problem": name})
        assert response.status_code == 404, (name, response.text)
        assert error_of(response)["code"] == "unknown-problem"
    for path in ("/problems/nosuch", "/problems/..%2Faplusb", "/problems/%2e%2e"):
        response = httpx.get(f"{server.url}{path}")
        assert response.status_code == 404, (path, response.text)
        error_of(response)
    for method, path in (("GET", "/runs/nosuch"), ("DELETE", "/runs/nosuch"),
                         ("GET", "/runs/nosuch/events"), ("GET", "/no/such/endpoint")):  # fmt: skip
        response = httpx.request(method, f"{server.url}{path}")
        assert response.status_code == 404, (path, response.text)
        error_of(response)


def test_405_in_the_same_shape(server: LiveServer) -> None:
    response = httpx.put(f"{server.url}/runs")
    assert response.status_code == 405 and error_of(response)["code"] == "method-not-allowed"


def test_413_for_large_bodies_and_code(server: LiveServer) -> None:
    big_code = {"problem": "aplusb", "language": "python3", "code": "#" * (300 * 1024)}
    response = post(server, big_code)
    assert response.status_code == 413 and "code" in error_of(response)["message"]
    huge = json.dumps({"problem": "aplusb", "language": "python3", "code": "#" * (2 << 20)})
    response = httpx.post(f"{server.url}/validate-dataset", content=huge.encode(),
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 413 and "body" in error_of(response)["message"]

    def chunks() -> object:  # no Content-Length: the server counts the bytes
        yield b'{"code": "'
        for _ in range(40):
            yield b"#" * 65536
        yield b'"}'

    response = httpx.post(f"{server.url}/runs", content=chunks(),  # type: ignore[arg-type]
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 413 and "body" in error_of(response)["message"]
    cases = [{"input": "1 1\n", "answer": "2\n"}] * 101
    response = post(server, {"language": "python3", "code": "x", "cases": cases})
    assert response.status_code == 413 and "cases" in error_of(response)["message"]


def test_422_unknown_language(server: LiveServer) -> None:
    response = post(server, {"problem": "aplusb", "language": "brainfuck", "code": "x"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "unknown-language" and "python3" in error["message"]


JAVA_MAIN = (
    "package contest;\nimport java.util.*;\npublic class Main {\n"
    "  public static void main(String[] a) { Scanner s = new Scanner(System.in);\n"
    "    System.out.println(Helper.add(s.nextLong(), s.nextLong())); } }\n"
)
JAVA_HELPER = (
    "package contest;\nclass Helper { static long add(long a, long b) { return a + b; } }\n"
)


def test_files_multi_file_java_with_a_package_is_accepted(server: LiveServer) -> None:
    body = {"problem": "aplusb", "language": "java",
            "files": {"Main.java": JAVA_MAIN, "Helper.java": JAVA_HELPER}}  # fmt: skip
    document = post(server, body).json()
    assert document["summary"]["verdict"] == "AC", document


def test_files_python_package_runs_its___main__(server: LiveServer) -> None:
    files = {"__main__.py": "from helper import add\nprint(add(*map(int, input().split())))\n",
             "helper.py": "def add(a, b):\n    return a + b\n"}  # fmt: skip
    document = post(server, {"problem": "aplusb", "language": "python", "files": files}).json()
    assert document["summary"]["verdict"] == "AC", document


def test_files_rules_code_or_files_names_and_the_total_cap(server: LiveServer) -> None:
    both = post(server, {"problem": "aplusb", "language": "python3", "code": "x",
                         "files": {"main.py": "x"}})  # fmt: skip
    assert both.status_code == 400 and "exactly one" in error_of(both)["message"]
    neither = post(server, {"problem": "aplusb", "language": "python3"})
    assert neither.status_code == 400
    bad_name = post(server, {"problem": "aplusb", "language": "python3",
                             "files": {"../main.py": "print(1)"}})  # fmt: skip
    assert bad_name.status_code == 400 and "not allowed" in error_of(bad_name)["message"]
    half = "#" * (70 * 1024)  # two files of 70 KiB: each under the 128 KiB cap, not together
    big = post(server, {"problem": "aplusb", "language": "python3",
                        "files": {"main.py": half, "b.py": half}})  # fmt: skip
    assert big.status_code == 413 and "in all" in error_of(big)["message"]


def test_429_when_the_queue_is_full(start_server: StartServer) -> None:
    live = start_server(env={"JUDGEBOX_MAX_ACTIVE_RUNS": "1", "JUDGEBOX_MAX_QUEUED_RUNS": "1"})
    body = {"problem": "aplusb", "language": "python3", "code": SLOW_CODE}
    first, second = post(live, body, "/runs"), post(live, body, "/runs")
    assert first.status_code == second.status_code == 202
    assert live.metric("judgebox_queue_length") == 1
    third = post(live, body, "/runs")
    assert third.status_code == 429 and int(third.headers["Retry-After"]) >= 1
    assert error_of(third)["code"] == "queue-full"
    for run in (first, second):
        assert (
            httpx.delete(f"{live.url}/runs/{run.json()['runId']}").json()["status"] == "cancelled"
        )
    assert post(live, body, "/runs").status_code == 202  # room again


def test_token_required_when_set(start_server: StartServer) -> None:
    live = start_server(args=("--token", "s3cret"))
    assert httpx.get(f"{live.url}/healthz").status_code == 200
    assert httpx.get(f"{live.url}/").status_code == 200
    refused = httpx.get(f"{live.url}/languages")
    assert refused.status_code == 401 and error_of(refused)["code"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = httpx.get(f"{live.url}/problems", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    good = httpx.get(f"{live.url}/problems", headers={"Authorization": "Bearer s3cret"})
    assert good.status_code == 200


def test_non_loopback_host_needs_a_token(start_server: StartServer) -> None:
    live = start_server(args=("--host", "0.0.0.0"), wait=False)
    assert live.process.wait(30) == 2
    assert "--token" in live.log() and "--no-auth" in live.log()


def test_cors_only_when_configured(server: LiveServer, start_server: StartServer) -> None:
    preflight = {"Origin": "http://page.example", "Access-Control-Request-Method": "POST"}
    closed = httpx.options(f"{server.url}/validate-dataset", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    live = start_server(env={"JUDGEBOX_CORS_ORIGINS": "http://page.example"})
    opened = httpx.options(f"{live.url}/validate-dataset", headers=preflight)
    assert opened.headers["access-control-allow-origin"] == "http://page.example"
    other = httpx.get(f"{live.url}/problems", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_an_idle_connection_outlives_the_clients_keep_alive_expiry(server: LiveServer) -> None:
    """httpx drops an idle connection after 5 s, like uvicorn's default: the server must
    keep it longer, or a request sent on it as the server closes it fails (ReadError)."""
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        answers = []
        for pause in (0.0, 6.0):  # past httpx's 5 s expiry, idle on the same connection
            time.sleep(pause)
            sock.sendall(request)
            answer = b""
            while not answer.endswith(b"}") and (chunk := sock.recv(4096)):
                answer += chunk  # head and body may come in two reads
            answers.append(answer)
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert b'{"status":"ok"}' in answer
