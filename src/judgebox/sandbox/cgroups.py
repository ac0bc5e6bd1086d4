"""Control groups for sandboxed processes: limits, accounting and killing, on cgroup v1 and v2.

Layout (one tree per judgebox process, swept when that process is gone):

    v2:  <mount>/judgebox/<instance>/<case>          memory.max, pids.max, cpu.stat, memory.peak
    v1:  <memory mount>/judgebox/<instance>/<case>   memory.limit_in_bytes, max_usage_in_bytes
         <pids mount>/judgebox/<instance>/cases-<first case of the box>     pids.max
         <cpuacct mount>/judgebox/<instance>/cases-<first case of the box>  cpuacct.usage

`<instance>` is `p<pid>-<starttime>` of the judgebox process that made it, so a
later start can tell a crashed owner's leftovers from a live neighbour's. On v1 a box
keeps its pids and cpuacct cgroups from case to case, reset before each (`CaseCgroup`).
A case cgroup holds exactly one case's process tree: the child of the box
supervisor moves itself in (through the `cgroup.procs` fds of `procs_fds()`)
before exec, so the counters are that tree's alone.

Next to the case cgroups, in every hierarchy, a box cgroup `init-<box>-<start>`
holds the box itself (bwrap's outer process and the supervisor; no limits), so
that everything a judgebox process started is in its instance: a sibling, not a
parent, of the case cgroups, so that case counters stay exact and v2's rule
against processes in inner cgroups never applies. The start-up sweep kills a
stale instance whole: v2 `cgroup.kill` on the instance, v1 `pids.max` 0 on it (no
more forks anywhere under it) and SIGKILL passes until every cgroup is empty.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from judgebox.vocabulary.errors import SandboxError

BASE = "judgebox"
BOX_PREFIX = "init-"  # box cgroups (bwrap + supervisor); the others are case cgroups
_V1_CONTROLLERS = ("memory", "pids", "cpuacct")


# Plain os.open/read/write: a case reads and writes about twenty cgroup files, and
# buffered text files add an fstat, an ioctl and an lseek to each (host CPU per case).
_READ_SIZE = 65536


def _read(path: Path | str) -> str:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        # A cgroup or /proc file hands over all it holds in one read when the buffer is
        # larger: a short read is its end, and only a full one needs a read for EOF.
        chunks = [os.read(fd, _READ_SIZE)]
        while len(chunks[-1]) == _READ_SIZE:
            chunks.append(os.read(fd, _READ_SIZE))
        return b"".join(chunks).decode("ascii")
    finally:
        os.close(fd)


def _write(path: Path | str, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, value.encode("ascii"))
    finally:
        os.close(fd)


def instance_name(pid: int | None = None) -> str:
    """`p<pid>-<starttime>`: unique for a process across pid reuse."""
    pid = os.getpid() if pid is None else pid
    return f"p{pid}-{_start_time(pid)}"


def _start_time(pid: int) -> str:
    try:
        stat = _read(Path(f"/proc/{pid}/stat"))
    except OSError:
        return "gone"
    return stat.rsplit(")", 1)[1].split()[19]


def owner_alive(name: str) -> bool:
    """Whether the judgebox process that created instance `name` still runs."""
    try:  # p<pid>-<starttime>[-<serial>]: several sandboxes may live in one process
        pid_text, start = name[1:].split("-")[:2]
        return _start_time(int(pid_text)) == start
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class CgroupLayout:
    """Where the controllers live: one v2 mount, or one mount per v1 controller."""

    version: int
    roots: dict[str, Path]  # controller -> <mount>/judgebox (v2: the same path for all)

    def describe(self) -> str:
        """E.g. `cgroup v1 (memory, pids, cpuacct)`."""
        return f"cgroup v{self.version} ({', '.join(self.roots)})"

    def instance_dirs(self, instance: str) -> list[Path]:
        """The distinct directories of one instance (one on v2, three on v1)."""
        return sorted({root / instance for root in self.roots.values()})


def _mounts() -> Iterator[tuple[str, str, str]]:
    with open("/proc/self/mounts", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4:
                yield parts[1], parts[2], parts[3]


def detect_layout(v2_root: Path | None = None) -> CgroupLayout | None:
    """Usable cgroups: v2 with memory+pids, else v1 memory+pids+cpuacct; None if neither."""
    v1: dict[str, Path] = {}
    v2_mount: Path | None = None
    for mountpoint, fstype, options in _mounts():
        if fstype == "cgroup2" and v2_mount is None:
            v2_mount = Path(mountpoint)
        elif fstype == "cgroup":
            for controller in options.split(","):
                if controller in _V1_CONTROLLERS and controller not in v1:
                    v1[controller] = Path(mountpoint)
    if v2_root is not None or v2_mount is not None:
        root = v2_root if v2_root is not None else v2_mount
        assert root is not None
        try:
            controllers = _read(root / "cgroup.controllers").split()
        except OSError:
            controllers = []
        if {"memory", "pids"} <= set(controllers) and os.access(root, os.W_OK):
            base = root if v2_root is not None else root / BASE
            return CgroupLayout(2, {"memory": base, "pids": base, "cpu": base})
    if set(_V1_CONTROLLERS) <= set(v1) and all(os.access(p, os.W_OK) for p in v1.values()):
        return CgroupLayout(1, {c: v1[c] / BASE for c in _V1_CONTROLLERS})
    return None


def _enable_v2_controllers(path: Path) -> None:
    """Let children of `path` use memory and pids (cpu.stat needs no controller)."""
    with contextlib.suppress(OSError):
        _write(path / "cgroup.subtree_control", "+memory +pids")


def prepare_instance(layout: CgroupLayout, instance: str) -> None:
    """Create this process's instance directories (and enable v2 controllers on the way)."""
    for root in sorted(set(layout.roots.values())):
        if layout.version == 2:
            _enable_v2_controllers(root.parent)
        root.mkdir(exist_ok=True)
        if layout.version == 2:
            _enable_v2_controllers(root)
        (root / instance).mkdir(exist_ok=True)
        if layout.version == 2:
            _enable_v2_controllers(root / instance)


def _cgroup_pids(path: Path | str) -> list[int]:
    try:
        return [int(x) for x in _read(os.path.join(path, "cgroup.procs")).split()]
    except (OSError, ValueError):
        return []


def _kill_and_remove_tree(path: Path, deadline: float) -> bool:
    """SIGKILL everything under `path`, then remove it bottom-up. False if something stayed."""
    ok = True
    with contextlib.suppress(OSError):
        for child in path.iterdir():
            if child.is_dir():
                ok = _kill_and_remove_tree(child, deadline) and ok
    while True:
        for pid in _cgroup_pids(path):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            path.rmdir()
            return ok
        except FileNotFoundError:
            return ok
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)


def _stop_instance(layout: CgroupLayout, instance: str) -> None:
    """Kill a whole instance at once where the kernel can (v2), and stop it forking (both).

    `pids.max` is hierarchical: 0 on the instance refuses every fork under it, so the
    SIGKILL passes that follow catch every process (a fork bomb cannot outrun them).
    """
    pids_dir = layout.roots["pids"] / instance
    if layout.version == 2:
        with contextlib.suppress(OSError):
            _write(pids_dir / "cgroup.kill", "1")
    with contextlib.suppress(OSError):
        _write(pids_dir / "pids.max", "0")


def members_of(instances: set[str], uids: range) -> list[int]:
    """Pids of processes of `uids` whose cgroup membership names one of `instances`.

    The last resort of the sweep, for a process that the cgroup files did not list:
    never a process of another uid, nor one outside those instances (a live neighbour
    may run boxes with the same uids).
    """
    found: list[int] = []
    if not instances:
        return found
    names = {instance.encode() for instance in instances}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = _read(Path(f"/proc/{entry}/status"))
            membership = _read(Path(f"/proc/{entry}/cgroup"))
        except (OSError, UnicodeDecodeError):
            continue
        ids = next((ln.split()[1:] for ln in status.splitlines() if ln.startswith("Uid:")), [])
        if not any(int(i) in uids for i in ids):
            continue
        # A box's outer bwrap killed with its owner before it joined the box cgroup names
        # its instance only in its argv (the instance's etc and scratch binds).
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            argv = []
        if any(names & set(arg.split(b"/")) for arg in argv):
            found.append(int(entry))
            continue
        for line in membership.splitlines():
            path = line.split(":", 2)[-1]
            if instances & set(path.split("/")):
                found.append(int(entry))
                break
    return found


def sweep_stale(layout: CgroupLayout, uids: range | None = None) -> list[str]:
    """Kill everything of judgebox processes that are gone and remove their cgroups.

    Every process in a stale instance's box and case cgroups is killed; then, with
    `uids` given, any process of those uids that the cgroup files still name a
    stale instance for. Returns what was swept.
    """
    swept: list[str] = []
    deadline = time.monotonic() + 5.0
    stale: set[str] = set()
    for root in sorted(set(layout.roots.values())):
        with contextlib.suppress(FileNotFoundError):
            stale |= {d.name for d in root.iterdir() if d.is_dir() and not owner_alive(d.name)}
    for instance in sorted(stale):
        _stop_instance(layout, instance)
    if uids is not None:
        for pid in members_of(stale, uids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for instance in sorted(stale):
        for path in layout.instance_dirs(instance):
            if path.is_dir():
                _kill_and_remove_tree(path, deadline)
                swept.append(str(path))
    return swept


def remove_instance(layout: CgroupLayout, instance: str) -> None:
    """Remove this process's instance directories at shutdown (killing anything left)."""
    deadline = time.monotonic() + 5.0
    for path in layout.instance_dirs(instance):
        _kill_and_remove_tree(path, deadline)


class _Cgroup:
    """One cgroup of an instance, in every hierarchy: its processes, kill them, remove it."""

    def __init__(self, layout: CgroupLayout, instance: str, name: str) -> None:
        self.layout = layout
        self.instance = instance
        self._set_dirs(name)
        self._pids_max: int | None = None  # the last value written to pids.max

    def _set_dirs(self, name: str) -> None:
        """The directories for `name`, and the files used often."""
        # Plain strings, joined once: a case makes one of these and touches about twenty of
        # its files, and pathlib's joins were a tenth of the judge's CPU per case.
        self.dirs = self._dirs_of(name)
        self._unique = sorted(set(self.dirs.values()))
        pids_dir = self.dirs["pids"]
        self._procs_file = f"{pids_dir}/cgroup.procs"
        self._kill_file = f"{pids_dir}/cgroup.kill"
        self._pids_max_file = f"{pids_dir}/pids.max"

    def _dirs_of(self, name: str) -> dict[str, str]:
        """Controller -> directory of cgroup `name`."""
        return {c: f"{root}/{self.instance}/{name}" for c, root in self.layout.roots.items()}

    def pids(self) -> list[int]:
        """Host pids of the processes in the cgroup."""
        try:
            return [int(x) for x in _read(self._procs_file).split()]
        except (OSError, ValueError):
            return []

    def kill_all(self) -> bool:
        """SIGKILL every process in the tree (synchronous, no waiting).

        True when the cgroup was seen empty (v1 only: there the kill reads the pid list
        anyway, so a caller waiting for emptiness need not read it again); False otherwise.
        """
        if self.layout.version == 2:
            with contextlib.suppress(OSError):
                _write(self._kill_file, "1")
                return False
        pids = self.pids()
        if not pids:
            return True  # nothing runs in it, so nothing can fork into it
        # No new processes from here on (a fork bomb forks between our reading of the
        # pid list and the kills): then a few passes catch every one.
        with contextlib.suppress(OSError):
            _write(self._pids_max_file, "0")
            self._pids_max = 0
        for _ in range(8):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            pids = self.pids()
            if not pids:
                return True
        return False

    def remove(self) -> bool:
        """Remove the directories; False while processes remain (the caller kills and retries)."""
        ok = True
        for path in self._unique:
            try:
                os.rmdir(path)
            except FileNotFoundError:
                pass
            except OSError:
                ok = False
        return ok


class BoxCgroup(_Cgroup):
    """The cgroup of a box itself (bwrap's outer process, the supervisor): no limits.

    It exists so that everything a judgebox process started is in its instance, and a
    later start can kill a crashed process's boxes by their cgroup.
    """

    def __init__(self, layout: CgroupLayout, instance: str, box: str) -> None:
        super().__init__(layout, instance, BOX_PREFIX + box)

    def create(self) -> None:
        """Make the directories."""
        try:
            for path in self._unique:
                os.mkdir(path)
        except OSError as exc:
            self.remove()
            raise SandboxError(f"cannot create box cgroup {self._unique[0]}: {exc}") from exc

    def add(self, pid: int) -> bool:
        """Move process `pid` in (every hierarchy); False if it is gone already."""
        for path in self._unique:
            try:
                _write(f"{path}/cgroup.procs", str(pid))
            except ProcessLookupError:
                return False
            except OSError as exc:
                raise SandboxError(f"cannot move the box into {path}: {exc}") from exc
        return True


KEPT_PREFIX = "cases-"  # v1 pids and cpuacct cgroups that a box keeps from case to case
_KEPT_V1 = ("pids", "cpuacct")


class CaseCgroup(_Cgroup):
    """The cgroup(s) of a box's cases: limits in, counters out, kill everything.

    One object serves case after case of one box. On cgroup v1 every controller has a
    directory of its own, and making and removing one cost about 0.1 ms of host CPU per
    case (0.2 ms for memory). An empty pids or cpuacct cgroup holds nothing of the case
    that was in it (no process, a count of 0, a CPU counter that is reset to 0), so their
    directories, `cases-<first case>`, are kept for the next case (`next_case`). The
    memory directory is made for every case: the charges of a case (page cache, kernel
    objects) outlive its processes, and emptying them (memory.force_empty) costs more
    than a new directory. On v2 all controllers share one directory, made for every case.
    A case that did not end clean (not seen empty) is not followed by another: its
    cgroups are removed whole (`remove`) and the next case starts a new object.

    The CPU counter is read often (the watchdog polls it): its file is opened once and
    re-read with pread, which regenerates a cgroup file's content at offset 0. `remove()`
    closes it.
    """

    def __init__(self, layout: CgroupLayout, instance: str, name: str) -> None:
        self._kept: dict[str, str] = {}  # controller -> its kept directory (v1 only)
        if layout.version == 1:
            kept_name = KEPT_PREFIX + name
            self._kept = {c: f"{layout.roots[c]}/{instance}/{kept_name}" for c in _KEPT_V1}
        super().__init__(layout, instance, name)
        self._kept_made = False
        self._kept_fds: list[int] = []  # cgroup.procs of the kept directories, held open
        self._cpu_fd: int | None = None
        # Seen empty after the case's program was reaped: nothing can enter it any more
        # (no process in it to fork, and only the case's child joins it), so it stays so.
        self.emptied = False

    def _dirs_of(self, name: str) -> dict[str, str]:
        """Case `name`'s directories, with the kept ones in place of theirs."""
        return {**super()._dirs_of(name), **self._kept}

    def _set_dirs(self, name: str) -> None:
        super()._set_dirs(name)
        self._fresh = sorted({d for c, d in self.dirs.items() if c not in self._kept})
        if self.layout.version == 2:
            self._cpu_file = f"{self.dirs['cpu']}/cpu.stat"
        else:
            self._cpu_file = f"{self.dirs['cpuacct']}/cpuacct.usage"

    def create(self, *, memory: int, processes: int) -> None:
        """Make the directories of the first case and set its memory and process limits."""
        self._begin(memory, processes)

    def next_case(self, name: str, *, memory: int, processes: int) -> None:
        """Make the per-case directories of case `name`; reset the kept ones' counters.

        Only after `end_case()` returned True for the case before.
        """
        self._set_dirs(name)
        self.emptied = False
        self._begin(memory, processes)

    def _begin(self, memory: int, processes: int) -> None:
        try:
            for path in self._fresh:
                os.mkdir(path)
            if not self._kept_made:
                self._kept_made = True  # from here on `remove` removes them
                for path in self._kept.values():
                    os.mkdir(path)
                    procs = os.open(f"{path}/cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)
                    self._kept_fds.append(procs)
            mem = self.dirs["memory"]
            if self.layout.version == 2:
                _write(f"{mem}/memory.max", str(memory))
                with contextlib.suppress(OSError):
                    _write(f"{mem}/memory.swap.max", "0")
                _write(self._pids_max_file, str(processes))
                self._cpu_fd = os.open(self._cpu_file, os.O_RDONLY | os.O_CLOEXEC)
            else:
                _write(f"{mem}/memory.limit_in_bytes", str(memory))
                with contextlib.suppress(OSError):
                    _write(f"{mem}/memory.memsw.limit_in_bytes", str(memory))
                if self._pids_max != processes:
                    _write(self._pids_max_file, str(processes))
                    self._pids_max = processes
                if self._cpu_fd is None:
                    self._cpu_fd = os.open(self._cpu_file, os.O_RDWR | os.O_CLOEXEC)
                else:  # kept from the case before: the counter starts again at 0
                    os.pwrite(self._cpu_fd, b"0", 0)
        except OSError as exc:
            self.remove()
            raise SandboxError(f"cannot create case cgroup {self._unique[0]}: {exc}") from exc

    def procs_fds(self) -> list[int]:
        """`cgroup.procs` of each directory, open for writing (the child writes "0" to join).

        The caller closes them (those of kept directories are duplicates of held fds).
        """
        fds: list[int] = []
        try:
            for fd in self._kept_fds:
                fds.append(os.dup(fd))
            for path in self._fresh:
                fds.append(os.open(f"{path}/cgroup.procs", os.O_WRONLY | os.O_CLOEXEC))
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        return fds

    def cpu_time(self) -> float:
        """CPU seconds used by the whole tree so far."""
        fd = self._cpu_fd
        text = _read(self._cpu_file) if fd is None else os.pread(fd, 4096, 0).decode("ascii")
        if self.layout.version == 2:
            for line in text.splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
            return 0.0
        return int(text) / 1e9

    def memory_peak(self) -> int:
        """Peak memory of the tree in bytes (0 where the kernel does not keep a peak)."""
        name = "memory.peak" if self.layout.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int(_read(f"{self.dirs['memory']}/{name}"))
        except (OSError, ValueError):
            return 0

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer killed something in this cgroup."""
        name = "memory.events" if self.layout.version == 2 else "memory.oom_control"
        text = _read(f"{self.dirs['memory']}/{name}")
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and int(value) > 0:
                return True
        return False

    def end_case(self) -> bool:
        """After a case seen empty: remove its per-case directories, keep the others.

        True when the object can serve the next case (`next_case`); False if a per-case
        directory would not go (the caller then removes it all with `remove`).
        """
        if self.layout.version == 2 and self._cpu_fd is not None:
            os.close(self._cpu_fd)  # it belongs to the per-case directory
            self._cpu_fd = None
        for path in self._fresh:
            try:
                os.rmdir(path)
            except FileNotFoundError:
                pass
            except OSError:
                return False
        return True

    def remove(self) -> bool:
        """Close the held files, then remove every directory (see `_Cgroup.remove`)."""
        if self._cpu_fd is not None:
            os.close(self._cpu_fd)
            self._cpu_fd = None
        for fd in self._kept_fds:
            os.close(fd)
        self._kept_fds = []
        return super().remove()
