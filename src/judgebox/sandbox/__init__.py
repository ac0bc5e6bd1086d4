"""The sandbox: run untrusted programs with real limits, isolated, measured, killable at once.

Public API:

    sandbox = Sandbox.open(SandboxConfig(...))        # probe, sweep, build the supervisor
    async with sandbox.box([Mount(dir, "/box")]) as box:
        result = await box.run(["./main"], limits=Limits(...), stdin=Path("1.in"))
    result.status, result.cpu_time, result.memory, result.stdout ...
    await run_in_sandbox(sandbox, argv, limits=..., mounts=..., stdin=...)   # one-shot
"""

from judgebox.sandbox.box import Box
from judgebox.sandbox.bwrap import BOX_DIR, Mount
from judgebox.sandbox.execution import ExecResult, ExecStatus
from judgebox.sandbox.host import Sandbox, SandboxConfig
from judgebox.sandbox.isolation import IsolationReport
from judgebox.sandbox.oneshot import run_in_sandbox

__all__ = [
    "BOX_DIR",
    "Box",
    "ExecResult",
    "ExecStatus",
    "IsolationReport",
    "Mount",
    "Sandbox",
    "SandboxConfig",
    "run_in_sandbox",
]
