"""A judgebox process that does nothing but start and close boxes (for test_stale_instances.py).

    python box_start_loop.py WORK_ROOT UID_BASE

Opens a Sandbox, prints one line once it is up, then starts and closes empty boxes
until it is killed: whenever the test kills it, a box is most likely half started.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from judgebox.sandbox import Sandbox, SandboxConfig


async def main(work_root: Path, uid_base: int) -> None:
    """Start boxes in a loop (never returns)."""
    sandbox = Sandbox.open(SandboxConfig(work_root=work_root, uid_base=uid_base, uid_count=2))
    print("ready", flush=True)
    while True:
        async with sandbox.box([]):
            pass


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
