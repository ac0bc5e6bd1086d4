"""`write_atomically`: the one way judgebox replaces a file that others may read at any time.

Caches (compile markers, probe results, time limits, converted statements) are written
from worker threads and by several processes at once: each writer gets a temporary name
of its own beside the target (never a name derived from the pid alone, which threads
share), and the target is replaced in one rename, so a reader sees the old file or the
new one, never a part.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(target: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace `target` with `data` (OSError if it cannot; nothing is left behind then).

    The temporary file is created new (O_EXCL), so a planted link is never followed; the
    rename replaces a link at `target` itself, never what it points to.
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
