"""LaTeX statements as HTML: plasTeX (PyPI) in a child process, once per statement text.

The TeX is hostile input and its conversion CPU-bound: it never runs on the event loop
(callers are in a worker thread) nor in the server process. The child
(tex_convert_child.py) runs in an empty temporary folder under CPU, memory and file-size
limits it sets itself, and a wall-clock limit here kills it. Results, failures included,
are kept per SHA-256 of the text, so a statement is converted once however often it is
shown (a wall-clock timeout is not kept: it may be a busy machine's): in memory, and in
`<cache_dir>/statements/` when a cache folder is given, so that a restarted server does
not convert its library again. The converter's own identity (the child, its templates,
plasTeX's version) is part of the key: a new converter converts afresh. At most two
conversions run at once; the caller sanitises the HTML (statement_html.py) before it
leaves the server.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import subprocess
import sys
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from judgebox.vocabulary.files import write_atomically

CHILD = Path(__file__).with_name("tex_convert_child.py")
WALL_SECONDS = 20.0
OUTPUT_CAP = 4 << 20  # bytes of HTML; more is a failure
_CACHED = 256
_KEPT_ON_DISK = 2048  # files in <cache_dir>/statements/; the oldest go first
# Conversions at once: each child may take a CPU for its whole limit; more wait their turn
# (in their worker thread, never on the event loop).
_SLOTS = threading.BoundedSemaphore(2)


@dataclass(frozen=True, slots=True)
class TexHtml:
    """A conversion: the HTML fragment (unsanitised), or why there is none."""

    html: str | None
    error: str | None
    # Out of wall-clock time: maybe only a busy machine, so not kept (the CPU limit is).
    transient: bool = False


_cache: OrderedDict[str, TexHtml] = OrderedDict()
_cache_lock = threading.Lock()
_key_locks: dict[str, threading.Lock] = {}


def tex_to_html(tex: str, cache_dir: Path | None = None) -> TexHtml:
    """The statement `tex` as HTML, converted at most once per text (blocking: not on the loop)."""
    digest = hashlib.sha256(_converter_identity())
    digest.update(tex.encode("utf-8", errors="surrogatepass"))
    key = digest.hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        lock = _key_locks.setdefault(key, threading.Lock())
    with lock:  # two requests for one new statement: one conversion
        with _cache_lock:
            if key in _cache:
                return _cache[key]
        folder = cache_dir / "statements" if cache_dir is not None else None
        result = _read_kept(folder, key) if folder is not None else None
        if result is None:
            with _SLOTS:
                result = _convert(tex)
            if folder is not None and not result.transient:
                _keep(folder, key, result)
        with _cache_lock:
            if not result.transient:
                _cache[key] = result
            while len(_cache) > _CACHED:
                _cache.popitem(last=False)
            _key_locks.pop(key, None)
    return result


_identity: bytes | None = None


def _converter_identity() -> bytes:
    """What the output depends on besides the text: the child's code, its templates and
    plasTeX's version (read once)."""
    global _identity
    if _identity is None:
        from importlib import metadata

        parts = [CHILD.read_bytes()]
        parts += [p.read_bytes() for p in sorted(CHILD.with_name("tex_templates").iterdir())]
        try:
            parts.append(metadata.version("plasTeX").encode())
        except metadata.PackageNotFoundError:
            parts.append(b"no plasTeX")
        _identity = hashlib.sha256(b"\0".join(parts)).digest()
    return _identity


def _read_kept(folder: Path, key: str) -> TexHtml | None:
    """A conversion kept on disk, or None (absent, or unreadable: converted again)."""
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        html, error = data["html"], data["error"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(html, str) or html is None) or not (isinstance(error, str) or error is None):
        return None
    return TexHtml(html, error)


def _keep(folder: Path, key: str, result: TexHtml) -> None:
    """Write a conversion for the next start (atomically; a failure to write only costs a
    conversion later); past _KEPT_ON_DISK files the least recently written go."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = json.dumps({"html": result.html, "error": result.error}).encode("utf-8")
        write_atomically(folder / f"{key}.json", data, 0o600)
        kept = list(folder.glob("*.json"))
        if len(kept) > _KEPT_ON_DISK:
            kept.sort(key=lambda p: p.stat().st_mtime)
            for old in kept[: len(kept) - _KEPT_ON_DISK]:
                with contextlib.suppress(OSError):
                    old.unlink()
    except OSError:
        return


def _convert(tex: str) -> TexHtml:
    with tempfile.TemporaryDirectory(prefix="judgebox-tex-") as folder:
        # Nothing of the environment: no TEXINPUTS, no PYTHON* (the child runs with -I).
        env = {"PATH": "/usr/bin:/bin", "HOME": folder, "LANG": "C.UTF-8", "TMPDIR": folder}
        try:
            done = subprocess.run(
                [sys.executable, "-I", str(CHILD)],
                input=tex.encode("utf-8", errors="replace"),
                capture_output=True, cwd=folder, env=env, timeout=WALL_SECONDS,
                start_new_session=True, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return TexHtml(
                None, f"the LaTeX converter took more than {WALL_SECONDS:g} s", transient=True
            )
        except OSError as err:
            return TexHtml(None, f"the LaTeX converter could not start: {err}")
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        why = reason[-1] if reason else _signal_text(done.returncode)
        return TexHtml(None, f"the LaTeX converter (plasTeX) failed: {why[:300]}")
    if len(done.stdout) > OUTPUT_CAP:
        return TexHtml(None, f"the converted statement is larger than {OUTPUT_CAP >> 20} MiB")
    return TexHtml(done.stdout.decode("utf-8", errors="replace"), None)


def _signal_text(returncode: int) -> str:
    if returncode < 0:
        return f"killed by signal {-returncode} (a CPU, memory or file limit)"
    return f"exit status {returncode}"


def clear_cache() -> None:
    """Forget every conversion kept in memory (tests)."""
    with _cache_lock:
        _cache.clear()


__all__ = ["TexHtml", "clear_cache", "tex_to_html"]
