"""Fixtures of the sandbox tests: one real Sandbox per session, C programs built on the host, boxes.

- `shared_tmp`, `sandbox` (tests/support/sandbox_fixtures.py): `Sandbox.open()` on a fresh
  work root under /tmp (world-traversable, as the box uids must reach it), with its own
  uid range so that other test sessions on the machine never look like leftovers of ours.
- `programs`: compiles C sources with the host's gcc into a workspace that the
  `box` fixture mounts read-only at /box.
- `box`: a started box (bwrap + supervisor) for one test; closed afterwards, and
  the test fails if anything of its uid is still alive then.

Async tests use the anyio pytest plugin on asyncio (`@pytest.mark.anyio`).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from host_state import case_cgroup_dirs, processes_of_uid
from sandbox_fixtures import sandbox_fixtures

from judgebox.sandbox import Box, Mount, Sandbox

# Box uids of this session: away from the default 61000.. range of a running server.
UID_BASE = 62000 + (os.getpid() % 128) * 16
SESSION_UIDS = 8  # the session sandbox; the next 8 are for sandboxes in subprocesses
SUBPROCESS_UID_BASE = UID_BASE + SESSION_UIDS
PROGRAM_SOURCES = Path(__file__).parent / "programs"


@pytest.fixture(scope="session")
def subprocess_uid_base() -> int:
    """First uid of the sandboxes that tests open in subprocesses."""
    return SUBPROCESS_UID_BASE


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Every async sandbox test runs on asyncio (what the server uses)."""
    return "asyncio"


shared_tmp, sandbox = sandbox_fixtures("judgebox-test-", uid_base=UID_BASE, uid_count=SESSION_UIDS)


class CPrograms:
    """C programs compiled on the host into a directory that boxes mount at /box."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._built: dict[str, str] = {}

    def build_file(self, name: str, *, static: bool = False, pthread: bool = False) -> str:
        """Compile tests/sandbox/programs/<name>.c once; return its path inside the box."""
        source = (PROGRAM_SOURCES / f"{name}.c").read_text()
        return self.build(name, source, static=static, pthread=pthread)

    def build(self, name: str, source: str, *, static: bool = False, pthread: bool = False) -> str:
        """Compile `source` once as `name`; return its path inside the box."""
        if name in self._built:
            return self._built[name]
        src = self.directory / f"{name}.c"
        src.write_text(source)
        argv = ["gcc", "-O2", "-w", "-o", str(self.directory / name), str(src)]
        argv += ["-static"] * static + ["-pthread"] * pthread
        out = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert out.returncode == 0, f"gcc failed on {name}:\n{out.stderr}"
        self._built[name] = f"/box/{name}"
        return self._built[name]


@pytest.fixture(scope="session")
def programs(sandbox: Sandbox) -> CPrograms:
    """The session's compiled test programs (mounted read-only at /box by `box`)."""
    return CPrograms(sandbox.workspace("programs"))


@pytest.fixture
async def box(sandbox: Sandbox, programs: CPrograms) -> AsyncIterator[Box]:
    """A started box with the test programs at /box; checks that its uid is empty afterwards."""
    async with sandbox.box([Mount(programs.directory, "/box")]) as started:
        uid = started.ctx.uid
        yield started
    left = processes_of_uid(uid)
    assert not left, f"processes of box uid {uid} outlived the box: {left}"
    kept = case_cgroup_dirs(sandbox)  # the box's kept case cgroups go with it
    assert not kept, f"case cgroups outlived the box: {kept}"
