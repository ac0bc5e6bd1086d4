"""The host side of the sandbox: probe once, sweep what a crashed process left, hand out boxes.

On disk (`work_root`, default /tmp/judgebox, mode 0711):

    bin/supervisor-<hash>        the compiled box supervisor (built from supervisor.c once)
    <instance>/                  one per judgebox process (`p<pid>-<starttime>`)
        etc-<uid>/               synthetic /etc of the boxes of that uid
        scratch-<box>/           captured stdout/stderr of a box (host only)
        runs/<run-id>/           a run's workspace (sources, binaries, inputs)

Leftovers of an instance whose process is gone (its boxes' and cases' processes,
cgroups and directories) are killed and removed at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import ClassVar

from judgebox.sandbox import bwrap, cgroups
from judgebox.sandbox.box import Box
from judgebox.sandbox.box_process import BoxContext
from judgebox.sandbox.bwrap import Mount
from judgebox.sandbox.isolation import IsolationReport, probe_isolation, require_isolation
from judgebox.vocabulary.errors import SandboxError

log = logging.getLogger("judgebox.sandbox")
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How the sandbox host is set up (built from Settings at the edge)."""

    work_root: Path = Path("/tmp/judgebox")
    uid_base: int = 61000
    uid_count: int = 64
    insecure: bool = False
    cgroup_v2_root: Path | None = None
    use_cgroups: bool = True  # False: as on a host without cgroups (then only with insecure)
    tmp_size: int = 64 * 1024 * 1024


@dataclass
class Sandbox:
    """Owns the uids, the instance's cgroups and directories; makes boxes."""

    config: SandboxConfig
    isolation: IsolationReport
    instance: str
    supervisor: Path
    _free_uids: list[int] = field(default_factory=list)
    _unfinished: list[Box] = field(default_factory=list)  # boxes whose cleanup was cut short
    _opened: ClassVar[int] = 0
    _boxes: set[Box] = field(default_factory=set)

    @classmethod
    def open(cls, config: SandboxConfig | None = None) -> Sandbox:
        """Probe the host, refuse incomplete isolation unless insecure, sweep, and get ready."""
        config = config or SandboxConfig()
        # First of all, so that orphaned bwrap inits (the probe's too) come back to us and
        # are reaped, instead of piling up as zombies of an init that may never reap them.
        with contextlib.suppress(OSError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        report = probe_isolation(
            config.uid_base, config.cgroup_v2_root, use_cgroups=config.use_cgroups
        )
        require_isolation(report, insecure=config.insecure)
        (log.info if report.complete else log.warning)(report.summary())
        _prepare_root(config.work_root)
        supervisor = build_supervisor(config.work_root / "bin")
        cls._opened += 1  # two sandboxes of one process must not share (and remove) a tree
        instance = f"{cgroups.instance_name()}-{cls._opened}"
        uids = range(config.uid_base, config.uid_base + config.uid_count)
        swept = sweep_stale(config.work_root, report, uids)
        if swept:
            log.info("swept %d stale sandbox leftovers: %s", len(swept), ", ".join(swept))
        if report.cgroups is not None:
            cgroups.prepare_instance(report.cgroups, instance)
        inst_dir = config.work_root / instance
        inst_dir.mkdir(mode=0o711, exist_ok=True)
        os.chmod(inst_dir, 0o711)
        return cls(config, report, instance, supervisor, list(uids))

    @property
    def instance_dir(self) -> Path:
        """This process's directory under the work root."""
        return self.config.work_root / self.instance

    def _etc_dir(self, uid: int) -> Path:
        path = self.instance_dir / f"etc-{uid}"
        if not path.exists():
            tmp = self.instance_dir / f".etc-{uid}-{os.getpid()}"
            tmp.mkdir(mode=0o755, exist_ok=True)
            for name, text in bwrap.synthetic_etc_files(uid).items():
                (tmp / name).write_text(text)
                os.chmod(tmp / name, 0o644)
            with contextlib.suppress(OSError):
                tmp.rename(path)
        return path

    @contextlib.asynccontextmanager
    async def box(
        self,
        mounts: Sequence[Mount] = (),
        *,
        env: Mapping[str, str] | None = None,
        tmp_size: int | None = None,
        group: str | None = None,
    ) -> AsyncIterator[Box]:
        """A started box for the block; killed, reaped and removed on exit, even when cancelled.

        `group` tags the box (e.g. with a run id) so that `kill_group()` can kill it at once.
        """
        if not self._free_uids:
            raise SandboxError(
                f"all {self.config.uid_count} sandbox uids are in use: raise JUDGEBOX_UID_COUNT "
                "(uid_count) or lower JUDGEBOX_PARALLELISM or JUDGEBOX_MAX_ACTIVE_RUNS"
            )
        self._unfinished = [old for old in self._unfinished if not old.finished_cleanup()]
        uid = self._free_uids.pop(0)
        scratch = self.instance_dir / f"scratch-{uid}"
        scratch.mkdir(mode=0o700, exist_ok=True)
        layout = bwrap.BoxLayout(
            supervisor=self.supervisor,
            synthetic_etc=self._etc_dir(uid),
            mounts=tuple(mounts),
            tmp_size=tmp_size or self.config.tmp_size,
            env=dict(env or {}),
        )
        ctx = BoxContext(
            uid=uid,
            instance=self.instance,
            scratch=scratch,
            layout=layout,
            cgroups=self.isolation.cgroups,
            use_bwrap=self.isolation.user_namespaces,
            use_seccomp=self.isolation.seccomp and self.isolation.user_namespaces,
            cpu_count=os.cpu_count() or 1,
        )
        box = Box(ctx)
        box.group = group
        self._boxes.add(box)
        try:
            await box.start()
            yield box
        finally:
            box.kill_now()
            try:
                with anyio_shield():
                    await box.close()
            except asyncio.CancelledError:
                box.close_sync()
                raise
            finally:
                self._boxes.discard(box)
                if not box.finished_cleanup():  # cut short: finish it on a later occasion
                    self._unfinished.append(box)
                shutil.rmtree(scratch, ignore_errors=True)
                self._free_uids.append(uid)

    def kill_group(self, group: str) -> int:
        """SIGKILL every box tagged `group` now (synchronous); returns how many."""
        boxes = [box for box in self._boxes if box.group == group]
        for box in boxes:
            box.kill_now()
        return len(boxes)

    def kill_all_boxes(self) -> None:
        """SIGKILL every box of this process now (shutdown)."""
        for box in list(self._boxes):
            box.kill_now()

    def workspace(self, name: str) -> Path:
        """A fresh run directory (0711, so the box uids can reach what is bound from it)."""
        runs = self.instance_dir / "runs"
        runs.mkdir(mode=0o711, exist_ok=True)
        path = runs / name
        path.mkdir(mode=0o711)
        return path

    def close(self) -> None:
        """Remove this instance's cgroups and directories (at process exit)."""
        self.kill_all_boxes()
        for box in self._unfinished:
            box.close_sync()
        if self.isolation.cgroups is not None:
            cgroups.remove_instance(self.isolation.cgroups, self.instance)
        shutil.rmtree(self.instance_dir, ignore_errors=True)


def anyio_shield() -> contextlib.AbstractContextManager[object]:
    """A cancel shield that works under asyncio and anyio alike."""
    import anyio

    return anyio.CancelScope(shield=True)


def _prepare_root(root: Path) -> None:
    root.mkdir(mode=0o711, parents=True, exist_ok=True)
    st = root.lstat()
    if not root.is_dir() or root.is_symlink():
        raise SandboxError(f"work root {root} is not a directory")
    if st.st_uid != os.geteuid():
        raise SandboxError(f"work root {root} is owned by uid {st.st_uid}, not by us: pick another")
    os.chmod(root, 0o711)
    require_searchable(root)


def require_searchable(path: Path) -> None:
    """Boxes run as other uids: every directory above `path` must let them pass (x for others)."""
    for parent in [path.resolve(), *path.resolve().parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            raise SandboxError(
                f"{path} cannot be reached by the sandbox uids: {parent} has mode "
                f"{mode & 0o777:o}; choose a directory under a world-searchable one "
                "(e.g. /tmp/judgebox) or chmod o+x it"
            )


def build_supervisor(bin_dir: Path) -> Path:
    """Compile supervisor.c once (cached by its hash) and return the binary's path."""
    source = resources.files("judgebox.sandbox").joinpath("supervisor.c").read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    target = bin_dir / f"supervisor-{digest}"
    if target.exists():
        return target
    bin_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    os.chmod(bin_dir, 0o755)
    # Per-process names: two judgebox processes may build it at the same time.
    src = bin_dir / f".supervisor-{digest}-{os.getpid()}.c"
    src.write_bytes(source)
    tmp = bin_dir / f".supervisor-{digest}-{os.getpid()}"
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise SandboxError("no C compiler to build the box supervisor: apt-get install gcc")
    out = subprocess.run(
        [cc, "-O2", "-Wall", "-static", "-o", str(tmp), str(src)], capture_output=True, check=False
    )
    if out.returncode != 0:  # no static libc: a dynamic binary works too (/usr is in the box)
        out = subprocess.run(
            [cc, "-O2", "-Wall", "-o", str(tmp), str(src)], capture_output=True, check=False
        )
    if out.returncode != 0:
        raise SandboxError(
            f"cannot build the box supervisor: {out.stderr.decode(errors='replace')}"
        )
    os.chmod(tmp, 0o755)
    tmp.rename(target)  # atomic: a concurrent twin's identical binary may be replaced
    src.unlink(missing_ok=True)
    return target


def sweep_stale(work_root: Path, report: IsolationReport, uids: range | None = None) -> list[str]:
    """Kill the boxes and cases of judgebox processes that died without cleaning up, and
    remove their cgroups and directories (`uids`: the box uids, for the last-resort kill
    of a process that a stale instance's cgroups name but did not list)."""
    swept = cgroups.sweep_stale(report.cgroups, uids) if report.cgroups is not None else []
    with contextlib.suppress(FileNotFoundError):
        for entry in work_root.iterdir():
            if (
                entry.name.startswith("p")
                and entry.is_dir()
                and not cgroups.owner_alive(entry.name)
            ):
                shutil.rmtree(entry, ignore_errors=True)
                swept.append(str(entry))
    return swept
