"""CSRF and DNS rebinding (issue 10, finding 5), against a real server.

A web page the operator opens can send "simple" cross-site requests (a form or a
`text/plain` body, no preflight), and with DNS rebinding can make the browser
talk to this server under the page's own name. So: JSON bodies only (415),
only trusted Host names (421), and state-changing requests from a foreign
Origin refused (403) unless configured; same-origin pages and clients that send
no Origin (curl, the CLI) go on as before.
"""

from __future__ import annotations

import httpx
import pytest
from live_server import APLUSB_CODE, SLOW_CODE, LiveServer, StartServer

RUN = {"problem": "aplusb", "language": "python3", "code": APLUSB_CODE}
JSON_TEXT = '{"problem": "aplusb", "language": "python3", "code": "print(3)"}'


def error_of(response: httpx.Response) -> dict[str, str]:
    """The {"code", "message"} of an error answer (and it has exactly that shape)."""
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    error: dict[str, str] = body["error"]
    return error


def cancel(server: LiveServer, run_id: str) -> None:
    """Cancel a run (no Origin: as curl does)."""
    assert httpx.delete(f"{server.url}/runs/{run_id}", timeout=30).status_code == 200


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
     "multipart/form-data; boundary=x", "application/jsonp", "text/json", "application/+json"],
)  # fmt: skip
def test_post_bodies_that_are_not_declared_json_get_415(
    server: LiveServer, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    for path in ("/runs", "/validate-dataset"):
        response = httpx.post(f"{server.url}{path}", content=JSON_TEXT, headers=headers)
        assert response.status_code == 415, (path, content_type, response.text)
        error = error_of(response)
        assert error["code"] == "unsupported-media-type"
        assert "application/json" in error["message"]


@pytest.mark.parametrize(
    "content_type", ["application/json", "Application/JSON; charset=utf-8", "application/x+json"]
)
def test_json_media_types_are_accepted(server: LiveServer, content_type: str) -> None:
    response = httpx.post(f"{server.url}/runs", content=JSON_TEXT,
                          headers={"Content-Type": content_type})  # fmt: skip
    assert response.status_code == 202, response.text
    cancel(server, response.json()["runId"])


FOREIGN_HOSTS = ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example",
                 "localhost.evil.example:{port}", "[::2]:{port}", "bad host"]  # fmt: skip


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_foreign_host_names_are_refused(server: LiveServer, host: str) -> None:
    headers = {"Host": host.format(port=server.port)}
    for method, path, body in (("GET", "/problems", None), ("GET", "/runs/nosuch", None),
                               ("POST", "/runs", RUN), ("GET", "/", None)):  # fmt: skip
        response = httpx.request(method, f"{server.url}{path}", headers=headers, json=body)
        assert response.status_code == 421, (host, path, response.text)
        error = error_of(response)
        assert error["code"] == "untrusted-host" and "allowed_hosts" in error["message"]
    # The health check tells nothing and load balancers probe it by address.
    assert httpx.get(f"{server.url}/healthz", headers=headers).status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:{port}", "localhost", "LOCALHOST:{port}",
                                  "localhost.:{port}", "[::1]", "[::1]:{port}"])  # fmt: skip
def test_loopback_host_names_are_answered(server: LiveServer, host: str) -> None:
    headers = {"Host": host.format(port=server.port)}
    assert httpx.get(f"{server.url}/problems", headers=headers).status_code == 200


def test_foreign_origin_cannot_start_or_cancel_runs(server: LiveServer) -> None:
    for origin in ("http://evil.example", "http://evil.example:80", "null", "file://",
                   "http://127.0.0.1", f"http://127.0.0.1:{server.port + 1}"):  # fmt: skip
        headers = {"Origin": origin.format(port=server.port)}
        for path in ("/runs", "/validate-dataset"):
            response = httpx.post(f"{server.url}{path}", json=RUN, headers=headers)
            assert response.status_code == 403, (origin, path, response.text)
            error = error_of(response)
            assert error["code"] == "foreign-origin" and "cors_origins" in error["message"]
    slow = {**RUN, "code": SLOW_CODE}
    run_id = httpx.post(f"{server.url}/runs", json=slow).json()["runId"]
    try:
        refused = httpx.delete(f"{server.url}/runs/{run_id}",
                               headers={"Origin": "http://evil.example"})  # fmt: skip
        assert refused.status_code == 403 and error_of(refused)["code"] == "foreign-origin"
        status = httpx.get(f"{server.url}/runs/{run_id}").json()["status"]
        assert status in ("queued", "running"), status  # not cancelled by the foreign page
        # Reading stays possible (what a page may read is CORS's business, not ours).
        readable = httpx.get(f"{server.url}/runs/{run_id}", headers={"Origin": "http://x.example"})
        assert readable.status_code == 200 and "access-control-allow-origin" not in readable.headers
    finally:
        cancel(server, run_id)


def test_the_page_same_origin_fetch_still_judges(server: LiveServer) -> None:
    # What the page's fetch sends (static/api.js): same-origin, JSON, SSE accepted.
    for origin_host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
        headers = {"Origin": f"http://{origin_host}", "Host": origin_host,
                   "Sec-Fetch-Site": "same-origin", "Accept": "text/event-stream"}  # fmt: skip
        response = httpx.post(f"{server.url}/validate-dataset", json=RUN, headers=headers,
                              timeout=60)  # fmt: skip
        assert response.status_code == 200, response.text
        assert "event: complete" in response.text and '"verdict":"AC"' in response.text
    created = httpx.post(f"{server.url}/runs", json={**RUN, "code": SLOW_CODE},
                         headers={"Origin": server.url})  # fmt: skip
    assert created.status_code == 202, created.text
    deleted = httpx.delete(f"{server.url}/runs/{created.json()['runId']}",
                           headers={"Origin": server.url}, timeout=30)  # fmt: skip
    assert deleted.status_code == 200 and deleted.json()["status"] == "cancelled"


def test_allowed_hosts_and_cors_origins_from_the_settings(start_server: StartServer) -> None:
    live = start_server(env={"JUDGEBOX_ALLOWED_HOSTS": "judge.example, other.example:8443",
                             "JUDGEBOX_CORS_ORIGINS": "http://page.example"})  # fmt: skip
    for host in ("judge.example", f"judge.example:{live.port}", "other.example:8443"):
        response = httpx.get(f"{live.url}/problems", headers={"Host": host})
        assert response.status_code == 200, (host, response.text)
    for host in ("other.example", "other.example:8080", "evil.example"):
        assert httpx.get(f"{live.url}/problems", headers={"Host": host}).status_code == 421
    # Same origin under an allowed name (a page served as http://judge.example).
    same = {"Host": "judge.example", "Origin": "http://judge.example"}
    created = httpx.post(f"{live.url}/runs", json={**RUN, "code": SLOW_CODE}, headers=same)
    assert created.status_code == 202, created.text
    cancel(live, created.json()["runId"])
    # A configured CORS origin may start runs; others still may not.
    listed = httpx.post(f"{live.url}/runs", json={**RUN, "code": SLOW_CODE},
                        headers={"Origin": "http://page.example"})  # fmt: skip
    assert listed.status_code == 202, listed.text
    assert listed.headers["access-control-allow-origin"] == "http://page.example"
    cancel(live, listed.json()["runId"])
    other = httpx.post(f"{live.url}/runs", json=RUN, headers={"Origin": "http://evil.example"})
    assert other.status_code == 403


def test_a_star_allows_every_host_name(start_server: StartServer) -> None:
    live = start_server(args=("--allowed-host", "*"))
    response = httpx.get(f"{live.url}/problems", headers={"Host": "anything.example"})
    assert response.status_code == 200, response.text


def test_a_malformed_allowed_host_stops_the_start_with_a_reason(start_server: StartServer) -> None:
    live = start_server(env={"JUDGEBOX_ALLOWED_HOSTS": "judge.example:http"}, wait=False)
    assert live.process.wait(30) == 2
    assert "allowed host 'judge.example:http'" in live.log()


def test_a_token_protected_server_answers_browser_preflights_and_cors_on_401(
    start_server: StartServer,
) -> None:
    page = "http://page.example"
    live = start_server(args=("--token", "s3cret", "--cors-origin", page))
    preflight = {
        "Origin": page,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    # The preflight carries no Authorization (browsers never send it there): it must pass.
    answer = httpx.options(f"{live.url}/runs", headers=preflight)
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == page
    assert "POST" in answer.headers["access-control-allow-methods"]
    # A 401 to an allowed origin carries CORS headers, so the page can read why.
    refused = httpx.post(f"{live.url}/runs", json=RUN, headers={"Origin": page})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == page
    assert error_of(refused)["code"] == "unauthorized"
    # ...and not to another origin; a foreign preflight gets no CORS approval either.
    foreign = httpx.get(f"{live.url}/problems", headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 401 and "access-control-allow-origin" not in foreign.headers
    evil = httpx.options(f"{live.url}/runs", headers={**preflight, "Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in evil.headers
    # With the token, the page's request goes through.
    token = {"Origin": page, "Authorization": "Bearer s3cret"}
    created = httpx.post(f"{live.url}/runs", json={**RUN, "code": SLOW_CODE}, headers=token)
    assert created.status_code == 202, created.text
    assert created.headers["access-control-allow-origin"] == page
    stopped = httpx.delete(f"{live.url}/runs/{created.json()['runId']}", headers=token, timeout=30)
    assert stopped.status_code == 200
