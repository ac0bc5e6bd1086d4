"""`run_in_sandbox()`: one program, one box, one result (compiles, checkers, tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from judgebox.sandbox.bwrap import BOX_DIR, Mount
from judgebox.sandbox.execution import ExecResult
from judgebox.sandbox.host import Sandbox
from judgebox.vocabulary.limits import Limits


async def run_in_sandbox(
    sandbox: Sandbox,
    argv: Sequence[str],
    *,
    limits: Limits,
    mounts: Sequence[Mount] = (),
    stdin: Path | int | None = None,
    cwd: str = BOX_DIR,
    env: Mapping[str, str] | None = None,
) -> ExecResult:
    """Start a box, run `argv` once, tear the box down (also when cancelled)."""
    async with sandbox.box(mounts, env=env) as box:
        return await box.run(argv, limits=limits, stdin=stdin, cwd=cwd)
