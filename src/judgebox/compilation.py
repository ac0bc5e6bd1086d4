"""Compile a source once, in a sandbox, and cache the artifacts by (language, toolchain, source).

    <cache_dir>/artifacts/<language>/<sha256>/     everything the compile left in /box
                                                   (mounted read-only at /box for the runs)

A compile error, a compile timeout or an oversized compiler output is a CE
with the compiler's messages. Nothing the compile wrote is ever read by the
host: the directory is only renamed into the cache and mounted into boxes, so
a planted symlink resolves inside a box, never on the host.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from judgebox.errors import SandboxError
from judgebox.languages import Language
from judgebox.limits import Limits
from judgebox.sandbox import BOX_DIR, ExecStatus, Mount, Sandbox
from judgebox.sandbox.host import require_searchable
from judgebox.verdicts import CompileResult

COMPILER_OUTPUT_LIMIT = 16 * 1024


@dataclass(frozen=True, slots=True)
class Artifact:
    """A compiled (or syntax-checked) program, ready to mount at /box."""

    directory: Path
    file: str  # the source file name inside the directory
    result: CompileResult


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


def _cached(target: Path, file: str) -> Artifact | None:
    if _marker(target).is_file() and target.is_dir():
        return Artifact(target, file, CompileResult(ok=True, time_ms=0, output="", cached=True))
    return None


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
) -> Artifact:
    """Build `code` as `file` (or find it in the cache); a CE comes back as `result.ok = False`.

    `extra_files` are written beside the source (headers of a validator, for example).
    """
    extra = dict(extra_files or {})
    extra.pop(file, None)
    key = artifact_key(language, version, file, code, extra)
    cache_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
    require_searchable(cache_dir)
    target = cache_dir / "artifacts" / language.id / key
    hit = _cached(target, file)
    if hit is not None:
        return hit
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
    argv = language.compile_argv(file, limits)
    if argv is None:
        return _store(build, target, file, CompileResult(ok=True, time_ms=0, output=""))
    started = time.monotonic()
    async with sandbox.box([Mount(build, BOX_DIR, writable=True)]) as box:
        os.chown(build, box.ctx.uid, box.ctx.uid)
        result = await box.run(argv, limits=language.compile_limits, cwd=BOX_DIR)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    output = _compiler_output(result.stdout + result.stderr)
    if result.status is ExecStatus.INTERNAL_ERROR:
        raise SandboxError(f"compiling failed inside the sandbox: {result.message}")
    if result.status is not ExecStatus.OK:
        reason = {
            ExecStatus.TIME_LIMIT: "compilation took too long "
            f"(limit {language.compile_limits.cpu_time:g} s)",
            ExecStatus.MEMORY_LIMIT: "the compiler ran out of memory "
            f"(limit {language.compile_limits.memory >> 20} MiB)",
            ExecStatus.OUTPUT_LIMIT: "the compiler wrote too much output",
        }.get(result.status, "")
        text = (output + ("\n" if output and reason else "") + reason).strip()
        shutil.rmtree(build, ignore_errors=True)
        return Artifact(build, file, CompileResult(ok=False, time_ms=elapsed_ms, output=text))
    return _store(build, target, file, CompileResult(ok=True, time_ms=elapsed_ms, output=output))


def _compiler_output(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    if len(text) > COMPILER_OUTPUT_LIMIT:
        text = text[:COMPILER_OUTPUT_LIMIT] + "\n… (compiler output truncated)"
    return text.strip()


def _store(build: Path, target: Path, file: str, result: CompileResult) -> Artifact:
    """Move a successful build into the cache (atomically; a concurrent twin may win)."""
    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    for parent in (target.parent, target.parent.parent, target.parent.parent.parent):
        with contextlib.suppress(OSError):
            os.chmod(parent, 0o755)
    try:
        os.rename(build, target)
    except OSError:
        if not _marker(target).is_file():  # a different filesystem: copy it instead
            tmp = target.with_name(target.name + f".tmp{os.getpid()}")
            shutil.copytree(build, tmp, symlinks=True)
            with contextlib.suppress(OSError):
                os.rename(tmp, target)
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(build, ignore_errors=True)
    _marker(target).touch(mode=0o644)
    return Artifact(target, file, result)
