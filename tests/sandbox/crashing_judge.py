"""A judgebox process that gets SIGKILLed mid-run (started by test_stale_instances.py).

    python crashing_judge.py WORK_ROOT UID_BASE CANARY_DIR [spin [lost-parent-death]]

Opens a Sandbox, starts a box with a writable /box, plants symlinks to the
canary (a host directory and a file in it) in /box, then runs `sleep 100`
(or, with `spin`, a shell loop that burns CPU).
With `lost-parent-death`, its box is launched without bwrap's `--die-with-parent`
(only passed on kernels without pidfds; elsewhere this changes nothing): the state
the kernel leaves a box in when it clears the parent-death signal (at a credential
change).
Only this test process's boxes are launched so; the sandbox itself is unchanged.
Prints one JSON line (instance, uid, workspace) once the box is up; the test
kills this process while the sleep runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from judgebox.sandbox import Mount, Sandbox, SandboxConfig, bwrap
from judgebox.vocabulary.limits import Limits


async def main(work_root: Path, uid_base: int, canary: Path, spin: bool) -> None:
    """Start the box, report, and sleep in it until killed."""
    sandbox = Sandbox.open(SandboxConfig(work_root=work_root, uid_base=uid_base, uid_count=2))
    workspace = sandbox.workspace("crash")
    async with sandbox.box([Mount(workspace, "/box", writable=True)]) as box:
        os.chown(workspace, box.ctx.uid, box.ctx.uid)
        info = {"instance": sandbox.instance, "uid": box.ctx.uid, "workspace": str(workspace)}
        print(json.dumps(info), flush=True)
        script = (
            f"ln -s {canary} /box/dir-link && ln -s {canary / 'file'} /box/file-link "
            "&& touch /box/ready && " + ("while :; do :; done" if spin else "exec sleep 100")
        )
        await box.run(["/bin/sh", "-c", script], limits=Limits(cpu_time=100, wall_time=200))


def lose_parent_death() -> None:
    """Launch this process's boxes without `--die-with-parent` (see the module docstring)."""
    real = bwrap.bwrap_argv

    def argv(*args: Any, **kwargs: Any) -> list[str]:
        return [a for a in real(*args, **kwargs) if a != "--die-with-parent"]

    bwrap.bwrap_argv = argv


if __name__ == "__main__":
    spin = sys.argv[4:5] == ["spin"]
    if sys.argv[5:] == ["lost-parent-death"]:
        lose_parent_death()
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), spin))
