"""Fixtures of the scale-out tests: a cluster of real processes, local or on NATS JetStream."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scaleout_cluster import UID_COUNT, ApiNode, NatsServer, Node, start_worker
from secure_nats import API_USER, WORKER_USER

PROGRAM = "main.py"  # how the boxes run a python3 submission: python3 -B main.py
ACK_WAIT_S = 2.0  # short, so that redeliveries after a SIGKILL come fast in tests
# 58000..59279 (20 nodes): no other suite or benchmark uses these uids
_uid_bases = itertools.count(58000, UID_COUNT)


def write_problems(root: Path) -> Path:
    """A library with `aplusb`: a Kattis package with 1 sample and 3 secret cases."""
    package = root / "aplusb"
    (package / "data" / "sample").mkdir(parents=True)
    (package / "data" / "secret").mkdir(parents=True)
    (package / "problem.yaml").write_text("name: A plus B\n")
    (package / "data" / "sample" / "1.in").write_text("1 2\n")
    (package / "data" / "sample" / "1.ans").write_text("3\n")
    for i in (1, 2, 3):
        (package / "data" / "secret" / f"{i}.in").write_text(f"{i} {i * 10}\n")
        (package / "data" / "secret" / f"{i}.ans").write_text(f"{i * 11}\n")
    return root


class Cluster:
    """API nodes and, on JetStream, a nats-server and workers; everything stopped at the end."""

    def __init__(self, directory: Path, problems: Path, mode: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.mode = mode
        # SSE pings every second: follow() checks its deadline at each line.
        self.env = {"JUDGEBOX_PROBLEMS_DIR": str(problems), "JUDGEBOX_MAX_ACTIVE_RUNS": "1",
                    "JUDGEBOX_NATS_ACK_WAIT": str(ACK_WAIT_S),
                    "JUDGEBOX_HEARTBEAT_INTERVAL": "1"}  # fmt: skip
        self.nats = NatsServer(directory, secure=mode == "secure") if mode != "local" else None
        self.api: list[ApiNode] = []
        self.workers: list[Node] = []
        self.allow_violations = False  # a test that tries forbidden operations sets it
        self._names = itertools.count(1)

    def add_api(self) -> ApiNode:
        """Start one more API node (`judgebox serve`, with --nats on JetStream)."""
        url = self.nats.url if self.nats else None
        env = {**self.env, **(self.nats.role_env(API_USER) if self.nats else {})}
        node = ApiNode(self.directory, f"api{next(self._names)}", next(_uid_bases), env, url)
        self.api.append(node)
        return node

    def add_worker(self, slots: int = 1) -> Node:
        """Start one more `judgebox worker` (JetStream only)."""
        assert self.nats is not None, "workers exist only on JetStream"
        name = f"worker{next(self._names)}"
        env = {**self.env, **self.nats.role_env(WORKER_USER)}
        node = start_worker(self.directory, self.nats.url, name, next(_uid_bases), env, slots)
        self.workers.append(node)
        return node

    def judging_nodes(self) -> list[Node]:
        """The processes whose sandboxes run the programs."""
        return list(self.workers) if self.nats else list(self.api)

    def sandboxed_pids(self) -> set[int]:
        """Every live process in a box of this cluster."""
        return set().union(*(node.sandboxed_pids() for node in self.judging_nodes()))

    def programs(self) -> set[int]:
        """The judged programs running in this cluster's boxes (not compilers, not box inits)."""
        return set().union(*(node.sandboxed_pids(PROGRAM) for node in self.judging_nodes()))

    def stop(self) -> None:
        """Stop every process (workers first, so that they hand nothing back to the void)."""
        for node in [*self.workers, *self.api]:
            node.stop()
        if self.nats is not None:
            self.nats.stop()

    def assert_permissions_sufficed(self) -> None:
        """On the secure setup, the example config refused none of judgebox's own operations
        (a refused request would otherwise only show as a slow timeout)."""
        if self.mode == "secure" and not self.allow_violations:
            assert self.nats is not None
            refused = [line for line in self.nats.log().splitlines() if "Violation" in line]
            assert not refused, "\n".join(refused[:10])


@pytest.fixture(scope="session")
def problems_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A problem library with `aplusb`."""
    return write_problems(tmp_path_factory.mktemp("scaleout-problems"))


@pytest.fixture(scope="module", params=["local", "jetstream", "secure"])
def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, problems_dir: Path
) -> Iterator[Cluster]:
    """The same contract, two executors: one local server, or two API nodes and a worker
    (`secure`: the same over TLS with client certificates, as the example config's users)."""
    mode: str = request.param
    made = Cluster(tmp_path_factory.mktemp(f"cluster-{mode}"), problems_dir, mode)
    try:
        made.add_api()
        if mode != "local":
            made.add_api()
            made.add_worker(slots=1)
        yield made
    finally:
        made.stop()
    made.assert_permissions_sufficed()


@pytest.fixture
def jetstream_cluster(tmp_path: Path, problems_dir: Path) -> Iterator[Callable[..., Cluster]]:
    """A fresh JetStream cluster (nats-server only; the test adds nodes); `secure=True`:
    nats-server from the example config, TLS and the two users."""
    made: list[Cluster] = []

    def make(secure: bool = False) -> Cluster:
        mode = "secure" if secure else "jetstream"
        cluster = Cluster(tmp_path / f"cluster{len(made)}", problems_dir, mode)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        cluster.stop()
    for cluster in made:
        cluster.assert_permissions_sufficed()
