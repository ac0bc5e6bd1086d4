"""A small on-disk cache of host probe results (isolation, toolchain versions, the seccomp BPF).

Every `judgebox run` used to start processes only to learn facts that do not change
between two commands: `bwrap --version`, a throw-away box to see whether user
namespaces work, `python3 --version`, `ldconfig -p` (twice, to load libseccomp and
build the same BPF program). This module keeps such a fact in one JSON file per
probe, next to a *key*: everything whose change could change the answer (a binary's
path, inode, size, mtime and mode; the kernel release; sysctls). A lookup whose
stored key differs from the current one is a miss, and the caller probes for real
and rewrites the entry. The key is recomputed on every lookup, from cheap reads
(stat, /proc), never from a process.

A cache file is trusted only when it is a regular file (opened with O_NOFOLLOW) owned
by us and writable by nobody else, in a directory that is ours, not a symlink and
not writable by others; otherwise it is ignored (and replaced by the next write).
Writes go to a private temporary file that is renamed into place, so a reader sees
the old entry or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from judgebox.vocabulary.files import write_atomically

MAX_ENTRY_BYTES = 1 << 20
# Probes really run in this process (not answered from the cache), by probe name.
PROBES_RUN: dict[str, int] = {}


def file_key(path: str | os.PathLike[str]) -> list[Any] | None:
    """What identifies a file's contents cheaply: real path, device, inode, size, mtime, mode
    and owner (None when it is missing). A replaced or upgraded binary changes it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [os.path.realpath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
            st.st_mode, st.st_uid]  # fmt: skip


def read_small(path: str) -> str | None:
    """A /proc or /sys value (stripped), None when absent or unreadable."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read(4096).strip()
    except OSError:
        return None


def count_probe(name: str) -> None:
    """Note that probe `name` really ran (tests read PROBES_RUN)."""
    PROBES_RUN[name] = PROBES_RUN.get(name, 0) + 1


class ProbeCache:
    """JSON entries under `directory` (created 0700 if missing); a bad directory disables it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._usable: bool | None = None

    def _dir_ok(self) -> bool:
        if self._usable is None:
            self._usable = self._prepare()
        return self._usable

    def _prepare(self) -> bool:
        with contextlib.suppress(FileExistsError, OSError):
            self.directory.mkdir(mode=0o700, parents=True)
        try:
            st = os.lstat(self.directory)
        except OSError:
            return False
        # Ours, a real directory, and nobody else may add or swap entries in it.
        return (
            stat.S_ISDIR(st.st_mode)
            and st.st_uid == os.geteuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        )

    def _path(self, name: str) -> Path:
        if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise ValueError(f"bad probe cache entry name {name!r}")
        return self.directory / f"{name}.json"

    def get(self, name: str, key: Any) -> Any | None:
        """The stored value of `name` if its stored key equals `key` and the file is trustworthy."""
        if not self._dir_ok():
            return None
        try:
            fd = os.open(self._path(name), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:  # missing, or a symlink (ELOOP)
            return None
        try:
            st = os.fstat(fd)
            if (
                not stat.S_ISREG(st.st_mode)
                or st.st_uid != os.geteuid()
                or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
                or st.st_size > MAX_ENTRY_BYTES
            ):
                return None
            raw = os.read(fd, MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        try:
            entry = json.loads(raw)
        except ValueError:
            return None
        # Compare through JSON, so that tuples and lists of the key compare alike.
        if not isinstance(entry, dict) or entry.get("key") != json.loads(json.dumps(key)):
            return None
        return entry.get("value")

    def put(self, name: str, key: Any, value: Any) -> None:
        """Store `value` under `name` and `key`, atomically (a failure is ignored: only a cache)."""
        if not self._dir_ok():
            return
        target = self._path(name)
        data = json.dumps({"key": key, "value": value}).encode()
        # A planted symlink at the target is replaced itself, never followed.
        with contextlib.suppress(OSError):
            write_atomically(target, data, 0o600)
