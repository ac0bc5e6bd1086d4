"""A test case's `.files` (Kattis 2025-09 "Input"): the submission's working directory.

The spec: the submission runs in a working directory holding its files, its compiled
binaries and the contents of the case's `NAME.files/` (those win a name collision), and
no other test data. Boxes live for a whole run and mount their program read-only at
/box, so a slot's submission box also mounts a host folder of its own read-only at
/case; before each run of a case with `.files`, the host empties that folder and fills
it anew: a symlink to /box/<name> for each top-level entry of the program's folder,
then a copy of the case's files. The program then runs with /case as its working
directory. Emptying it before every case (with or without `.files`) leaves nothing of
one case to the next; /tmp is wiped by the box supervisor as for every case.

Runs on the host (blocking file I/O: callers use a worker thread). Symlinks inside
`.files` are copied as links, never followed: a package's link may point anywhere on
the host, but in the box it resolves in the box's own file system.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from judgebox.sandbox import BOX_DIR, Mount

CASE_FILES_DIR = "/case"


def clear(folder: Path) -> None:
    """Empty `folder` in place (the box sees it through a bind mount: keep its inode)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()


def stage(folder: Path, program_dir: Path, files_dir: Path | None) -> bool:
    """Make `folder` the working directory of a case: empty, then (if the case has
    `.files`) the program's entries as links into /box and the case's files over them.
    True when the case has files (run it in CASE_FILES_DIR)."""
    clear(folder)
    if files_dir is None:
        return False
    for entry in os.listdir(program_dir):
        os.symlink(f"{BOX_DIR}/{entry}", folder / entry)
    for source in sorted(files_dir.iterdir()):
        target = folder / source.name
        if target.is_symlink() or target.is_file():
            target.unlink()  # the case's file wins over a program file of that name
        elif target.is_dir():
            shutil.rmtree(target)
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target, follow_symlinks=False)
    _readable(folder)
    return True


@contextlib.asynccontextmanager
async def working_directory(
    workspace: Path, program_dir: Path, files_dir: Path | None
) -> AsyncIterator[tuple[list[Mount], str]]:
    """For a one-case box (input validators: the spec copies the case's `.files` into
    their working directory too): the mounts to add and the directory to run in. A
    folder of its own under `workspace`, staged as above, removed afterwards."""
    if files_dir is None:
        yield [], BOX_DIR
        return
    folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="case-files-", dir=workspace))
    try:
        folder.chmod(0o755)
        await asyncio.to_thread(stage, folder, program_dir, files_dir)
        yield [Mount(folder, CASE_FILES_DIR)], CASE_FILES_DIR
    finally:
        await asyncio.to_thread(shutil.rmtree, folder, True)


def _readable(folder: Path) -> None:
    """The box's uid reads what root copied: folders 0755, files 0644 (0755 if executable)."""
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            path = Path(root, name)
            if not path.is_symlink():
                path.chmod(0o755)
        for name in files:
            path = Path(root, name)
            if not path.is_symlink():
                path.chmod(0o755 if os.access(path, os.X_OK) else 0o644)
