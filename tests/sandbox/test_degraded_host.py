"""A host without cgroups: refused unless --insecure, which says so and copes with rlimits.

`SandboxConfig(use_cgroups=False)` makes the probe see this host as one without
a usable cgroup hierarchy (as in many containers); everything else is real.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from judgebox.sandbox import ExecStatus, Sandbox, SandboxConfig
from judgebox.vocabulary.errors import IsolationUnavailableError
from judgebox.vocabulary.limits import Limits

pytestmark = pytest.mark.anyio


@pytest.fixture
def root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="judgebox-degraded-", dir="/tmp"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_refuses_untrusted_code_without_cgroups(root: Path) -> None:
    config = SandboxConfig(work_root=root / "w", uid_base=64700, use_cgroups=False)
    with pytest.raises(IsolationUnavailableError) as refused:
        Sandbox.open(config)
    message = refused.value.message
    assert "cgroup" in message and "--insecure" in message


async def test_insecure_says_what_is_missing_and_still_limits(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = SandboxConfig(work_root=root / "w", uid_base=64720, use_cgroups=False, insecure=True)
    with caplog.at_level(logging.WARNING, logger="judgebox.sandbox"):
        sandbox = Sandbox.open(config)
    try:
        assert any(
            r.message.startswith("INSECURE:") and "cgroup" in r.message for r in caplog.records
        )
        assert sandbox.isolation.user_namespaces and sandbox.isolation.cgroups is None
        async with sandbox.box() as box:
            ok = await box.run(["/usr/bin/python3", "-S", "-c", "print(6 * 7)"], limits=Limits())
            assert ok.status is ExecStatus.OK and ok.stdout == b"42\n"
            # RLIMIT_AS stands in for the memory cgroup: the allocation fails inside the program.
            hog = await box.run(
                ["/usr/bin/python3", "-S", "-c", "x = bytearray(1 << 30)"],
                limits=Limits(memory=128 << 20),
            )
            assert hog.status is ExecStatus.NONZERO_EXIT and b"MemoryError" in hog.stderr
            # The wall clock and RLIMIT_CPU still stop a busy loop.
            spin = await box.run(
                ["/usr/bin/python3", "-S", "-c", "while True: pass"],
                limits=Limits(cpu_time=0.5, wall_time=1.5),
            )
            assert spin.status is ExecStatus.TIME_LIMIT
            # The box survives a killed case (the whole box restarts).
            again = await box.run(["/usr/bin/python3", "-S", "-c", "print(1)"], limits=Limits())
            assert again.status is ExecStatus.OK
    finally:
        sandbox.close()
