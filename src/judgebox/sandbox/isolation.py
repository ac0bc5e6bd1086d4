"""Probe, once at start-up, what isolation this host can give, and say it in one line.

Untrusted code is refused unless user namespaces (bubblewrap), a usable cgroup
hierarchy and seccomp are all there, or the operator explicitly accepted less
with `--insecure` (then the missing parts are named loudly).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from judgebox.sandbox import bwrap
from judgebox.sandbox.cgroups import CgroupLayout, detect_layout
from judgebox.vocabulary.errors import IsolationUnavailableError
from judgebox.vocabulary.probe_cache import ProbeCache, count_probe, file_key, read_small

# What decides whether an unprivileged uid may create user namespaces, read on every start
# (cheap reads, no process) and part of the cached answer's key: a change here (user
# namespaces disabled by sysctl or by an AppArmor policy) is a cache miss, so the next
# start probes for real and refuses if the answer is now "no".
USERNS_SWITCHES = (
    "/proc/sys/user/max_user_namespaces",
    "/proc/sys/kernel/unprivileged_userns_clone",
    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    "/proc/sys/kernel/unprivileged_userns_apparmor_policy",
)


@dataclass(frozen=True, slots=True)
class IsolationReport:
    """What is in force on this host."""

    bwrap_version: str | None
    user_namespaces: bool
    cgroups: CgroupLayout | None
    seccomp: bool
    uid_drop: bool
    problems: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Every layer is there."""
        return not self.problems

    def summary(self) -> str:
        """One line for the log."""
        if self.complete:
            assert self.cgroups is not None
            return (
                f"isolation: bubblewrap {self.bwrap_version} (user, pid, net, ipc, uts, mount, "
                f"cgroup namespaces), {self.cgroups.describe()}, seccomp deny-list, "
                f"{'unprivileged uid per box' if self.uid_drop else 'own unprivileged uid'}"
            )
        return "INSECURE: " + "; ".join(self.problems)


def _bwrap_version() -> str | None:
    if not shutil.which(bwrap.BWRAP):
        return None
    count_probe("bwrap-version")
    try:
        out = subprocess.run(
            [bwrap.BWRAP, "--version"], capture_output=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.decode().split()[-1] if out.returncode == 0 and out.stdout else None


_PROBE_ARGV = [
    bwrap.BWRAP, "--unshare-user", "--unshare-pid", "--unshare-net", "--disable-userns",
    "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
    "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--", "/usr/bin/true",
]  # fmt: skip


def _user_namespaces_work(uid: int) -> bool:
    """Start a real (empty) bubblewrap box as `uid` to see whether user namespaces are allowed."""
    as_root = os.geteuid() == 0
    count_probe("userns")
    info_fd = bwrap.info_file()
    try:
        out = subprocess.run(
            [_PROBE_ARGV[0], "--info-fd", str(info_fd), *_PROBE_ARGV[1:]],
            capture_output=True,
            timeout=10,
            check=False,
            pass_fds=[info_fd],
            user=uid if as_root else None,
            group=uid if as_root else None,
            extra_groups=[] if as_root else None,
            env={"PATH": bwrap.DEFAULT_PATH},
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        _reap_orphaned_init(info_fd)
    return out.returncode == 0


def _reap_orphaned_init(info_fd: int) -> None:
    """Reap the probe box's init if it outlived bwrap and was orphaned to us (a child subreaper).

    bwrap's outer process may exit before the box's pid 1 does; without this the
    init stays a zombie of ours (or of the host's init, which may never reap it).
    """
    try:
        pid = bwrap.read_info(info_fd)
    finally:
        os.close(info_fd)
    if pid is None:
        return
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] != 0:
                return
        except ChildProcessError:  # not ours: bwrap reaped it, or we are no subreaper
            return
        time.sleep(0.001)


def _seccomp_works(cache: ProbeCache | None) -> bool:
    try:
        from judgebox.sandbox.seccomp import load_filter

        return len(load_filter(cache)) > 0
    except Exception:
        return False


def namespace_key(uid: int) -> dict[str, object]:
    """Everything whose change could change the bubblewrap probes' answer (see USERNS_SWITCHES).

    Recomputed on every start: stat of bwrap and of /etc/apparmor.d, the kernel, our own
    user namespace, the sysctls. The cgroup layout is not cached at all (detected live)."""
    uname = os.uname()
    try:
        own_userns: int | None = os.stat("/proc/self/ns/user").st_ino
    except OSError:
        own_userns = None
    return {
        "v": 1,
        "bwrap": file_key(bwrap.BWRAP),
        "kernel": [uname.release, uname.version, uname.machine],
        "uid": uid,
        "euid": os.geteuid(),
        "own_userns": own_userns,
        "switches": {path: read_small(path) for path in USERNS_SWITCHES},
        "apparmor_d": file_key("/etc/apparmor.d"),
        "probe": _PROBE_ARGV,
    }


def _namespaces(uid: int, cache: ProbeCache | None) -> tuple[str | None, bool]:
    """(bwrap version, user namespaces work): from the cache when its key still holds.

    Only a complete success is cached: a failing host is probed again on every start, so
    fixing it takes effect at once, and `--insecure` always sees a fresh answer. A stale
    "works" cannot weaken a box either: boxes always start through bubblewrap then, and a
    bubblewrap that fails makes the box fail loudly (an internal error), never run bare."""
    key = namespace_key(uid) if cache is not None else None
    if cache is not None:
        hit = cache.get("namespaces", key)
        if isinstance(hit, dict) and isinstance(hit.get("bwrap_version"), str):
            return hit["bwrap_version"], True
    version = _bwrap_version()
    userns = version is not None and _user_namespaces_work(uid)
    if cache is not None and userns:
        cache.put("namespaces", key, {"bwrap_version": version})
    return version, userns


def probe_isolation(
    uid: int,
    cgroup_v2_root: Path | None = None,
    *,
    use_cgroups: bool = True,
    cache: ProbeCache | None = None,
) -> IsolationReport:
    """Check each layer (bubblewrap and the seccomp filter through `cache` when given: see
    `_namespaces`; the cgroup layout always live); never raises."""
    problems: list[str] = []
    version, userns = _namespaces(uid, cache)
    if version is None:
        problems.append("bubblewrap is not installed (apt-get install bubblewrap): no namespaces")
    elif not userns:
        problems.append(
            "user namespaces are not available to an unprivileged uid (kernel, container or "
            "AppArmor policy): programs would run without namespaces"
        )
    layout = detect_layout(cgroup_v2_root) if use_cgroups else None
    if layout is None:
        problems.append(
            "no writable cgroup hierarchy with memory and pids (v2, or v1 memory+pids+cpuacct): "
            "memory and process limits fall back to rlimits"
        )
    sec = _seccomp_works(cache)
    if not sec:
        problems.append("seccomp (libseccomp via pyseccomp) is unavailable: no syscall filter")
    uid_drop = os.geteuid() == 0
    return IsolationReport(version, userns, layout, sec, uid_drop, tuple(problems))


def require_isolation(report: IsolationReport, *, insecure: bool) -> None:
    """Refuse to run untrusted code with incomplete isolation unless `insecure` was asked for."""
    if report.complete or insecure:
        return
    raise IsolationUnavailableError(
        "refusing to run untrusted code: "
        + "; ".join(report.problems)
        + ". Fix the host, or start with --insecure to accept this explicitly."
    )
