"""The two fixtures of every suite that runs real boxes: a scratch folder and a Sandbox on it.

    shared_tmp, sandbox = sandbox_fixtures("judgebox-judge-tests-", uid_base=61200)

in a conftest (or a test module) defines the fixtures `shared_tmp` (a fresh folder under
/tmp the box uids can traverse, removed afterwards) and `sandbox` (`Sandbox.open()` with
its work root in that folder, closed afterwards), for the scope given. Each suite picks
its own uid range, so that two suites running at once never count each other's boxes
as their own leftovers.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from judgebox.sandbox import Sandbox, SandboxConfig

Scope = Literal["session", "package", "module"]


def sandbox_fixtures(
    prefix: str, *, uid_base: int, uid_count: int = 64, scope: Scope = "session"
) -> tuple[object, object]:
    """The fixtures `shared_tmp` and `sandbox`, to be bound to those names in a module."""

    @pytest.fixture(scope=scope)
    def shared_tmp() -> Iterator[Path]:
        """A world-traversable scratch folder (pytest's own tmp folders are 0700)."""
        path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        path.chmod(0o711)
        yield path
        shutil.rmtree(path, ignore_errors=True)

    @pytest.fixture(scope=scope)
    def sandbox(shared_tmp: Path) -> Iterator[Sandbox]:
        """The sandbox host (isolation probed for real; refuses incomplete isolation)."""
        config = SandboxConfig(shared_tmp / "work", uid_base=uid_base, uid_count=uid_count)
        box = Sandbox.open(config)
        yield box
        box.close()

    return shared_tmp, sandbox
