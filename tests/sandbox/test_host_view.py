"""What a box can see of the host (docs/architecture.md, threat model), each hidden thing tested."""

from __future__ import annotations

import pytest

from judgebox.sandbox import Box, ExecStatus
from judgebox.vocabulary.limits import Limits

pytestmark = pytest.mark.anyio


async def test_proc_cmdline_is_empty(box: Box) -> None:
    with open("/proc/cmdline", "rb") as f:
        assert f.read().strip(), "the host has a command line (else this test proves nothing)"
    r = await box.run(["/bin/sh", "-c", "wc -c < /proc/cmdline"], limits=Limits())
    assert r.status is ExecStatus.OK, r
    assert r.stdout == b"0\n"
