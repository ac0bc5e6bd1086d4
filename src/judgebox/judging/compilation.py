"""Compile a source once, in a sandbox, and cache the artifacts by (language, toolchain, source).

    <cache_dir>/artifacts/<language>/<sha256>/     everything the compile left in /box
                                                   (mounted read-only at /box for the runs)
    <cache_dir>/artifacts/<language>/<sha256>.ok   the entry's size in bytes; its mtime is
                                                   the entry's last use (LRU eviction)

A compile error, a compile timeout or an oversized compiler output is a CE
with the compiler's messages; so is a compiled program larger than the
artifact cap. Nothing the compile wrote is ever read by the host: the
directory is only walked with lstat (never following a link), given to the
judge's uid with no write bit for anyone else, renamed into the cache and
mounted into boxes, so a planted symlink resolves inside a box, never on the
host, and no box uid can alter a cached program afterwards. Past the cache's
total cap the least recently used entries are evicted.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from judgebox.languages.table import Language
from judgebox.sandbox import BOX_DIR, ExecStatus, Mount, Sandbox
from judgebox.sandbox.host import require_searchable
from judgebox.vocabulary.errors import SandboxError
from judgebox.vocabulary.files import write_atomically
from judgebox.vocabulary.limits import Limits
from judgebox.vocabulary.verdicts import CompileResult

COMPILER_OUTPUT_LIMIT = 16 * 1024
# More files than this in one build is a CE: walking and mounting them costs the host.
ARTIFACT_FILE_LIMIT = 10_000
_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CacheLimits:
    """Caps of the compile cache (bytes), and how long a used entry is safe from eviction."""

    artifact_bytes: int = 32 * _MIB
    total_bytes: int = 2048 * _MIB
    grace_seconds: float = 600.0


@dataclass(frozen=True, slots=True)
class Artifact:
    """A compiled (or syntax-checked) program, ready to mount at /box."""

    directory: Path
    file: str  # the source file name inside the directory
    result: CompileResult
    main: str | None = None  # the entry's {main} name (None: the file's stem)
    # every source file of the submission ({files} in the run command: Prolog loads them
    # all); empty: the entry file alone
    sources: tuple[str, ...] = ()


def artifact_key(
    language: Language, version: str, file: str, code: bytes, extra: Mapping[str, bytes]
) -> str:
    """Cache key: anything that changes the build changes the key."""
    h = hashlib.sha256()
    for part in (language.id, version, file, "\0".join(language.compile or ())):
        h.update(part.encode() + b"\0")
    h.update(hashlib.sha256(code).digest())
    for name in sorted(extra):
        h.update(name.encode() + b"\0" + hashlib.sha256(extra[name]).digest())
    return h.hexdigest()


def _marker(target: Path) -> Path:
    """The "complete" marker of a cache entry: beside it, never inside a dir a box wrote."""
    return target.with_name(target.name + ".ok")


def _cached(target: Path, file: str, main: str | None) -> Artifact | None:
    if _marker(target).is_file() and target.is_dir():
        with contextlib.suppress(OSError):  # record the use: eviction is least recently used
            os.utime(_marker(target))
        cached = CompileResult(ok=True, time_ms=0, output="", cached=True)
        return Artifact(target, file, cached, main)
    return None


def capped_compile_limits(
    language: Language, max_time: float | None = None, max_memory: int | None = None
) -> Limits:
    """The language's compile limits (languages.toml), each lowered to its cap if given."""
    limits = language.compile_limits
    changes: dict[str, float | int] = {}
    if max_time is not None and max_time < limits.cpu_time:
        changes.update(cpu_time=max_time, wall_time=max_time)
    if max_memory is not None and max_memory < limits.memory:
        changes["memory"] = max_memory
    return limits.replace(**changes) if changes else limits


async def compile_source(
    sandbox: Sandbox,
    language: Language,
    version: str,
    code: bytes,
    file: str,
    *,
    limits: Limits,
    workspace: Path,
    cache_dir: Path,
    extra_files: Mapping[str, bytes] | None = None,
    cache_limits: CacheLimits | None = None,
    max_time: float | None = None,
    max_memory: int | None = None,
    sources: tuple[str, ...] | None = None,
    main: str | None = None,
    on_build: Callable[[Path], Awaitable[None] | None] | None = None,
) -> Artifact:
    """Build `code` as `file` (or find it in the cache); a CE comes back as `result.ok = False`.

    `on_build(build_dir)` is called just before the compiler starts (not on a cache hit):
    the judge starts the run's boxes then, binding that directory, which becomes the
    artifact's by a rename (judge.py, "boxes started during the compile"). What it returns
    is awaited before that rename: bwrap resolves a bind source by its name when it sets a
    box up, so a compile faster than a box start must not move the directory under it.

    `extra_files` are written beside the source (headers of a validator, the other files of
    a multi-file submission, the language's support files). `sources` are the files given
    to the compiler as `{files}` (default `file` alone); `main` the entry's `{main}` name.
    The compiler runs under the language's compile limits, lowered to `max_time` and
    `max_memory` when given (`Settings.compile_time_limit` / `compile_memory_limit`).
    """
    build_limits = capped_compile_limits(language, max_time, max_memory)
    caps = cache_limits or CacheLimits()
    extra = dict(extra_files or {})
    extra.pop(file, None)
    for name, text in language.support_files:
        extra.setdefault(name, text.encode("utf-8"))
    key = artifact_key(language, version, file, code, extra)
    if main is not None:  # the entry's name is part of the build (a class to run)
        key = hashlib.sha256((key + "\0" + main).encode()).hexdigest()
    cache_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
    require_searchable(cache_dir)
    target = cache_dir / "artifacts" / language.id / key
    hit = _cached(target, file, main)
    if hit is not None:
        return dataclasses.replace(hit, sources=sources or ())
    build = workspace / f"build-{key[:12]}"
    build.mkdir(mode=0o755)
    source = build / file
    with open(source, "xb") as f:  # fresh dir: nothing to follow
        f.write(code)
    os.chmod(source, 0o644)
    for name, data in extra.items():
        if "/" in name or name.startswith("."):
            continue
        with open(build / name, "xb") as f:
            f.write(data)
        os.chmod(build / name, 0o644)
    argv = language.compile_argv(file, limits, sources=sources, main=main)
    if argv is None:
        nothing = CompileResult(ok=True, time_ms=0, output="")
        admitted = await _admit(build, target, file, nothing, caps, main)
        return dataclasses.replace(admitted, sources=sources or ())
    mounted = on_build(build) if on_build is not None else None
    started = time.monotonic()
    async with sandbox.box([Mount(build, BOX_DIR, writable=True)]) as box:
        os.chown(build, box.ctx.uid, box.ctx.uid)
        result = await box.run(argv, limits=build_limits, cwd=BOX_DIR)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    output = _compiler_output(result.stdout + result.stderr)
    if result.status is ExecStatus.INTERNAL_ERROR:
        raise SandboxError(f"compiling failed inside the sandbox: {result.message}")
    if result.status is not ExecStatus.OK:
        reason = {
            ExecStatus.TIME_LIMIT: f"compilation took too long (limit {build_limits.cpu_time:g} s)",
            ExecStatus.MEMORY_LIMIT: "the compiler ran out of memory "
            f"(limit {build_limits.memory >> 20} MiB)",
            ExecStatus.OUTPUT_LIMIT: "the compiler wrote too much output",
        }.get(result.status, "")
        text = (output + ("\n" if output and reason else "") + reason).strip()
        shutil.rmtree(build, ignore_errors=True)
        return Artifact(build, file, CompileResult(ok=False, time_ms=elapsed_ms, output=text))
    done = CompileResult(ok=True, time_ms=elapsed_ms, output=output)
    if mounted is not None:
        await mounted
    admitted = await _admit(build, target, file, done, caps, main)
    return dataclasses.replace(admitted, sources=sources or ())


async def _admit(
    build: Path,
    target: Path,
    file: str,
    result: CompileResult,
    caps: CacheLimits,
    main: str | None = None,
) -> Artifact:
    """Seal a finished build, refuse it past the artifact cap, cache it, evict past the total."""
    # Walking what a box wrote is I/O- and CPU-bound on hostile data: off the event loop,
    # in one worker-thread trip (each trip waits for a thread: issue 17, on a loaded host).
    return await asyncio.to_thread(_admit_now, build, target, file, result, caps, main)


def _admit_now(
    build: Path, target: Path, file: str, result: CompileResult, caps: CacheLimits, main: str | None
) -> Artifact:
    size, files = _seal(build)
    refusal = ""
    if files > ARTIFACT_FILE_LIMIT:
        refusal = f"the compile left {files} files, the limit is {ARTIFACT_FILE_LIMIT}"
    elif size > caps.artifact_bytes:
        refusal = (
            f"compiled program is {_mib(size)} MiB, the limit is {_mib(caps.artifact_bytes)} MiB"
        )
    if refusal:
        shutil.rmtree(build, True)
        text = (result.output + "\n" + refusal).strip()
        return Artifact(build, file, CompileResult(ok=False, time_ms=result.time_ms, output=text))
    artifact = _store(build, target, file, result, size, main)
    evict(target.parent.parent.parent, caps, keep=target)
    return artifact


def _mib(size: int) -> str:
    return f"{size / _MIB:.1f}".removesuffix(".0")


def _seal(build: Path) -> tuple[int, int]:
    """Give everything in `build` to the judge, writable by it alone; its (bytes, entries).

    Never follows a symlink (lstat, lchown; links keep their target, resolved in a box).
    Set-id bits and write bits for the group and others are dropped.
    """
    uid, gid = os.geteuid(), os.getegid()
    size = files = 0
    pending = [build]
    while pending:  # iterative: a deep tree cannot exhaust the stack
        directory = pending.pop()
        _own(directory, os.lstat(directory), uid, gid)
        with os.scandir(directory) as entries:
            for entry in entries:
                info = entry.stat(follow_symlinks=False)
                files += 1
                size += info.st_size if stat.S_ISREG(info.st_mode) else 0
                if stat.S_ISDIR(info.st_mode):
                    pending.append(Path(entry.path))
                else:
                    _own(Path(entry.path), info, uid, gid)
    return max(size, 0), files


def _seal_free_size(directory: Path) -> int:
    """Bytes of the regular files under `directory` (lstat only; nothing is changed)."""
    size, pending = 0, [directory]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    pending.append(Path(entry.path))
                elif stat.S_ISREG(info.st_mode):
                    size += info.st_size
    return size


def _own(path: Path, info: os.stat_result, uid: int, gid: int) -> None:
    if info.st_uid != uid or info.st_gid != gid:
        os.chown(path, uid, gid, follow_symlinks=False)
    if stat.S_ISLNK(info.st_mode):
        return  # a link's mode means nothing (and chmod would follow it)
    executable = stat.S_ISDIR(info.st_mode) or info.st_mode & 0o111
    os.chmod(path, 0o755 if executable else 0o644)


def evict(cache_dir: Path, caps: CacheLimits, *, keep: Path | None = None) -> int:
    """Remove least recently used entries until the cache fits its cap; how many were removed.

    An entry used within the grace period is kept even past the cap: a run may be about
    to mount it. The marker goes first, so a concurrent lookup never finds a half-removed
    entry.
    """
    entries: list[tuple[float, int, Path]] = []
    for marker in (cache_dir / "artifacts").glob("*/*.ok"):
        with contextlib.suppress(OSError, ValueError):
            used = marker.stat().st_mtime
            text = marker.read_text()  # empty: an entry cached before sizes were recorded
            size = int(text) if text else _seal_free_size(marker.with_suffix(""))
            entries.append((used, size, marker))
    total = sum(size for _, size, _ in entries)
    removed = 0
    now = time.time()
    for used, size, marker in sorted(entries):
        if total <= caps.total_bytes:
            break
        directory = marker.with_name(marker.name.removesuffix(".ok"))
        if directory == keep or used > now - caps.grace_seconds:
            continue
        try:
            if marker.stat().st_mtime != used:  # used since we looked
                continue
            marker.unlink()
        except OSError:
            continue
        shutil.rmtree(directory, ignore_errors=True)
        total -= size
        removed += 1
    return removed


def _compiler_output(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    if len(text) > COMPILER_OUTPUT_LIMIT:
        text = text[:COMPILER_OUTPUT_LIMIT] + "\n… (compiler output truncated)"
    return text.strip()


def _store(
    build: Path, target: Path, file: str, result: CompileResult, size: int, main: str | None
) -> Artifact:
    """Move a successful build into the cache (atomically; a concurrent twin may win).

    Twins are runs of one source compiled at once (in threads of this process, or in
    other processes on the same cache): whichever rename lands first is the entry, the
    others drop their build and use it. An entry is whole from the moment of its rename
    (the build was sealed before), so a twin that lost never waits for the winner's
    marker; every temporary name is unique to its writer.
    """
    parent = target.parent
    parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    for directory in (parent, parent.parent, parent.parent.parent):
        with contextlib.suppress(OSError):
            os.chmod(directory, 0o755)
    try:
        os.rename(build, target)
    except OSError as exc:
        if exc.errno == errno.EXDEV:  # the cache is on another file system: copy it over
            tmp = Path(tempfile.mkdtemp(dir=parent, prefix=target.name + ".tmp"))
            shutil.copytree(build, tmp, symlinks=True, dirs_exist_ok=True)
            os.chmod(tmp, 0o755)
            with contextlib.suppress(OSError):  # a twin's copy landed first: keep it
                os.rename(tmp, target)
            shutil.rmtree(tmp, ignore_errors=True)
        elif exc.errno not in (errno.EEXIST, errno.ENOTEMPTY) or not target.is_dir():
            raise
        shutil.rmtree(build, ignore_errors=True)
    # A twin's marker says the same: either is right.
    write_atomically(_marker(target), str(size).encode())
    return Artifact(target, file, result, main)
