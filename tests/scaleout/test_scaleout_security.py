"""Scale-out across machines, safely: TLS, credentials and the example config's permissions.

nats-server runs from docs/nats-server.conf.example as shipped (only paths and the
port put in), with certificates made by the test (secure_nats.py). The runs
contract over this setup is in test_scaleout_contract.py (the `secure` cluster).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nats.errors
import pytest
from nats.js.errors import Error as JetStreamError
from scaleout_cluster import JUDGEBOX, NatsServer, Node, follow, wait_for
from secure_nats import API_USER, WORKER_USER

from judgebox.scaleout.security import connect_options
from judgebox.scaleout.streams import JOBS_STREAM, connect
from judgebox.settings import settings_from_env
from judgebox.vocabulary.errors import JudgeboxError

if TYPE_CHECKING:
    from conftest import Cluster

NAPPER = "import time\nx = input()\ntime.sleep(3)\nprint(x)\n"


@pytest.fixture(scope="module")
def secure_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A nats-server from the example config (no judgebox node)."""
    server = NatsServer(tmp_path_factory.mktemp("secure-nats"), secure=True)
    try:
        yield server
    finally:
        server.stop()


def judgebox_command(
    command: list[str], env: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """Run `judgebox …` with only these JUDGEBOX_* variables; its result."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JUDGEBOX_")}
    # pytest's tmp dirs are 0700: the box uids could not reach a work root there.
    scratch = Path(tempfile.mkdtemp(prefix="judgebox-refused-"))
    scratch.chmod(0o711)
    environment.update(env, JUDGEBOX_WORK_ROOT=str(scratch / "work"), JUDGEBOX_UID_BASE="59300",
                       JUDGEBOX_DB_PATH=str(tmp_path / "runs.sqlite3"))  # fmt: skip
    try:
        return subprocess.run([JUDGEBOX, *command], env=environment, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def assert_refused_in_one_line(result: subprocess.CompletedProcess[str], why: str) -> None:
    """Exit status 2, one line on stderr naming the reason, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    error_lines = [line for line in lines if line.startswith("judgebox:")]
    assert len(error_lines) == 1, result.stderr
    assert "refused this node" in error_lines[0] and why in error_lines[0], error_lines[0]


def _wrong_password(server: NatsServer) -> dict[str, str]:
    return {**server.role_env(WORKER_USER), "JUDGEBOX_NATS_PASSWORD": "not-the-password"}


def _api_password_as_worker(server: NatsServer) -> dict[str, str]:
    env = server.role_env(WORKER_USER)
    assert server.secure is not None
    return {**env, "JUDGEBOX_NATS_PASSWORD": server.secure.passwords[API_USER]}


def _no_credentials(server: NatsServer) -> dict[str, str]:
    assert server.secure is not None
    return server.secure.tls_env()


def _rogue_certificate(server: NatsServer) -> dict[str, str]:
    assert server.secure is not None
    certs = server.secure.certs
    return {**server.role_env(WORKER_USER), "JUDGEBOX_NATS_CERT": str(certs.rogue_cert),
            "JUDGEBOX_NATS_KEY": str(certs.rogue_key)}  # fmt: skip


def _no_ca(server: NatsServer) -> dict[str, str]:
    env = server.role_env(WORKER_USER)
    del env["JUDGEBOX_NATS_CA"]  # the system's CAs do not know the test CA
    return env


@pytest.mark.parametrize(
    ("make_env", "why"),
    [
        (_wrong_password, "credentials"),
        (_api_password_as_worker, "credentials"),
        (_no_credentials, "credentials"),
        (_rogue_certificate, "TLS"),
        (_no_ca, "not trusted"),
    ],
    ids=["wrong-password", "another-users-password", "no-credentials", "rogue-cert", "no-ca"],
)
def test_a_worker_that_nats_refuses_exits_2_with_one_clear_line(
    secure_nats: NatsServer, tmp_path: Path,
    make_env: Callable[[NatsServer], dict[str, str]], why: str,
) -> None:  # fmt: skip
    result = judgebox_command(["worker", "--nats", secure_nats.url], make_env(secure_nats),
                              tmp_path)  # fmt: skip
    assert_refused_in_one_line(result, why)


def test_an_api_node_with_a_wrong_password_flag_is_refused_in_one_line(
    secure_nats: NatsServer, tmp_path: Path
) -> None:
    env = secure_nats.role_env(API_USER)
    del env["JUDGEBOX_NATS_PASSWORD"]
    result = judgebox_command(["serve", "--port", "1", "--nats", secure_nats.url,
                               "--nats-password", "wrong"], env, tmp_path)  # fmt: skip
    assert_refused_in_one_line(result, "credentials")


def test_a_worker_given_its_login_as_flags_connects_and_judges(
    jetstream_cluster: Callable[..., Cluster],
) -> None:
    cluster = jetstream_cluster(secure=True)
    api = cluster.add_api()
    assert cluster.nats is not None
    env = cluster.nats.role_env(WORKER_USER)
    flags = ["--nats-ca", env["JUDGEBOX_NATS_CA"], "--nats-cert", env["JUDGEBOX_NATS_CERT"],
             "--nats-key", env["JUDGEBOX_NATS_KEY"], "--nats-user", WORKER_USER,
             "--nats-password", env["JUDGEBOX_NATS_PASSWORD"],
             "--nats-inbox-prefix", env["JUDGEBOX_NATS_INBOX_PREFIX"]]  # fmt: skip
    command = [JUDGEBOX, "worker", "--nats", cluster.nats.url, *flags]
    worker = Node(command, cluster.directory, "flagged", 59400, cluster.env)  # 59400..59463
    cluster.workers.append(worker)
    worker.wait_log("worker ready")
    logged = worker.log()
    assert f"user {WORKER_USER}" in logged and env["JUDGEBOX_NATS_PASSWORD"] not in logged
    cases = [{"name": "c0", "input": "x\n", "answer": "x\n"}]
    run_id = api.submit({"language": "python3", "code": "print(input())", "cases": cases})
    assert follow(f"{api.url}/runs/{run_id}/events")[-1][2]["verdict"] == "AC"


class Intruder:
    """A client logged in as the worker user (stolen worker credentials), trying what it
    must not do; every NATS error it is sent is kept."""

    def __init__(self, server: NatsServer, user: str = WORKER_USER) -> None:
        self.settings = settings_from_env(server.role_env(user), nats_url=server.url)
        self.errors: list[str] = []

    async def attempts(self, run_id: str, job: bytes) -> dict[str, str]:
        """Each forgery and what became of it."""
        client = await connect(self.settings, "intruder")
        original = client._error_cb  # keep the log of permission errors the server sends

        async def keep(exc: Exception) -> None:
            self.errors.append(str(exc))
            if original is not None:
                await original(exc)

        client._error_cb = keep
        js = client.jetstream(timeout=1.5)
        outcome: dict[str, str] = {}

        async def attempt(name: str, action: Any) -> None:
            try:
                await action
                outcome[name] = "accepted"
            except (nats.errors.Error, JetStreamError, TimeoutError) as exc:
                outcome[name] = f"refused ({type(exc).__name__})"

        try:
            await attempt(
                "queue a job",
                js.publish("jobs.python3", job, headers={"Nats-Msg-Id": "forged-job"}),
            )
            await attempt(
                "raise a cancel flag", js.publish(f"$KV.JUDGEBOX_RUNS.cancel.{run_id}", b"delete")
            )
            await attempt(
                "overwrite a run record", js.publish(f"$KV.JUDGEBOX_RUNS.run.{run_id}", b"{}")
            )
            await attempt(  # a large job's pieces (job_parts.py) are as safe as its record
                "forge a job piece", js.publish(f"$KV.JUDGEBOX_RUNS.job.{run_id}.0", job)
            )
            await client.publish(f"cancel.{run_id}", b"delete")  # core: refused asynchronously
            # Nor may it pretend to follow a cancelWhenUnwatched run (keeping it alive).
            await client.publish(f"watch.{run_id}", b'{"node": "x", "following": true}')
            await attempt(
                "erase an event",
                client.request(
                    "$JS.API.STREAM.MSG.DELETE.EVENTS", json.dumps({"seq": 1}).encode(), timeout=1.5
                ),
            )
            await attempt(
                "purge the events", client.request("$JS.API.STREAM.PURGE.EVENTS", b"", timeout=1.5)
            )
            await attempt(
                "delete the job stream",
                client.request("$JS.API.STREAM.DELETE.JOBS", b"", timeout=1.5),
            )
            await client.subscribe("_INBOX_api.>")  # refused asynchronously as well
            await client.flush(timeout=2)
            await asyncio.sleep(0.3)  # the server's -ERR lines arrive asynchronously
        finally:
            await client.close()
        return outcome


async def _jobs_in_stream(server: NatsServer) -> int:
    client = await connect(settings_from_env(server.role_env(API_USER), nats_url=server.url),
                           "inspector")  # fmt: skip
    try:
        info = await client.jetstream().stream_info(JOBS_STREAM)
        return info.state.messages or 0
    finally:
        await client.close()


def test_stolen_worker_credentials_cannot_queue_cancel_or_erase(
    jetstream_cluster: Callable[..., Cluster],
) -> None:
    cluster = jetstream_cluster(secure=True)
    cluster.allow_violations = True  # the intruder's are expected
    api = cluster.add_api()
    worker = cluster.add_worker()
    assert cluster.nats is not None
    cases = [{"name": "c0", "input": "x\n", "answer": "x\n"}]
    run_id = api.submit({"language": "python3", "code": NAPPER, "cases": cases})
    wait_for(lambda: worker.sandboxed_pids("main.py"), 30, "the run's program running")
    job = json.dumps({"runId": "forged", "language": "python3", "code": "print(1)"}).encode()
    intruder = Intruder(cluster.nats)

    outcome = asyncio.run(intruder.attempts(run_id, job))

    assert all(result.startswith("refused") for result in outcome.values()), outcome
    violations = " ".join(intruder.errors).lower()
    assert violations.count("permissions violation") >= len(outcome) + 3, intruder.errors
    assert f'publish to "cancel.{run_id}"' in violations  # the core cancel never went out
    assert f'publish to "watch.{run_id}"' in violations  # nor a forged follower
    assert 'subscription to "_inbox_api.>"' in violations  # nor the API nodes' replies
    # The run went on, unharmed: no forged cancel reached the worker, no event was erased.
    events = follow(f"{api.url}/runs/{run_id}/events")
    assert [name for _, name, _ in events] == ["start", "compile", "case-result", "complete"]
    assert (events[-1][2]["status"], events[-1][2]["verdict"]) == ("finished", "AC")
    assert api.run(run_id)["eventCount"] == 4
    assert asyncio.run(_jobs_in_stream(cluster.nats)) == 0  # no forged job waits in the queue
    assert "forged" not in worker.log()


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"nats_user": "u", "nats_token": "t"}, "one way to authenticate"),
        ({"nats_password": "p"}, "--nats-password needs --nats-user"),
        ({"nats_cert": Path("/nonexistent/cert.pem")}, "--nats-cert and --nats-key"),
        ({"nats_ca": Path("/nonexistent/ca.pem")}, "--nats-ca /nonexistent/ca.pem"),
        ({"nats_nkey": Path("/nonexistent/seed")}, "nkeys"),
    ],
    ids=["two-ways", "password-alone", "cert-without-key", "missing-ca", "nkey-without-nkeys"],
)
def test_bad_nats_security_options_are_one_clear_line_before_connecting(
    overrides: dict[str, Any], complaint: str
) -> None:
    settings = settings_from_env({}, nats_url="tls://127.0.0.1:4222", **overrides)
    with pytest.raises(JudgeboxError) as caught:
        connect_options(settings)
    assert complaint in caught.value.message and "\n" not in caught.value.message


def test_the_security_settings_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        "JUDGEBOX_NATS_URL": "tls://nats:4222",
        "JUDGEBOX_NATS_CA": str(tmp_path / "ca"),
        "JUDGEBOX_NATS_USER": "judgebox-worker",
        "JUDGEBOX_NATS_PASSWORD": "pw-s3cr3t-42",
        "JUDGEBOX_NATS_TLS_FIRST": "true",
        "JUDGEBOX_NATS_INBOX_PREFIX": "_INBOX_worker",
    }
    settings = settings_from_env(env)
    assert settings.nats_ca == tmp_path / "ca" and settings.nats_tls_first is True
    assert (settings.nats_user, settings.nats_password) == ("judgebox-worker", "pw-s3cr3t-42")
    assert "pw-s3cr3t-42" not in repr(settings)  # settings may be logged
