"""The host probe cache (vocabulary/probe_cache.py): a second start probes nothing, a changed
key probes again, and a tampered entry (wrong owner, symlink, bad JSON, writable by others)
is ignored and rewritten, never trusted.

Real probes throughout: real bubblewrap boxes, the real seccomp build, a real executable
as a toolchain; PROBES_RUN counts the probes that really ran in a process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from judgebox.languages.table import Language
from judgebox.languages.toolchains import probe_toolchain
from judgebox.sandbox import isolation, seccomp
from judgebox.sandbox.host import PROBE_CACHE
from judgebox.vocabulary.probe_cache import PROBES_RUN, ProbeCache

UID = 64740  # the probe box's uid: no other test uses it
SANDBOX_PROBES = ("bwrap-version", "userns", "seccomp-bpf")


@pytest.fixture
def root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="judgebox-probe-cache-", dir="/tmp"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def fresh_bpf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget this process's BPF program, so that the next probe loads or builds it."""
    monkeypatch.setattr(seccomp, "_bpf", None)


def _probes() -> dict[str, int]:
    return {name: PROBES_RUN.get(name, 0) for name in SANDBOX_PROBES}


def _ran_since(before: dict[str, int]) -> set[str]:
    return {name for name, count in _probes().items() if count > before[name]}


def _open_in_a_fresh_process(work_root: Path) -> dict[str, int]:
    """Sandbox.open() in a new interpreter (as a second `judgebox run` would); its probe counts."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from judgebox.sandbox import Sandbox, SandboxConfig\n"
        "from judgebox.vocabulary.probe_cache import PROBES_RUN\n"
        f"sb = Sandbox.open(SandboxConfig(work_root=Path({str(work_root)!r}), uid_base={UID},"
        " uid_count=1))\n"
        "sb.close()\n"
        "print(json.dumps(PROBES_RUN))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'pyseccomp')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    counts, modules = out.stdout.splitlines()[-2:]
    return {**json.loads(counts), "pyseccomp loaded": len(json.loads(modules))}


def test_second_start_probes_nothing_and_loads_no_libseccomp(root: Path) -> None:
    first = _open_in_a_fresh_process(root / "work")
    assert {first.get(name, 0) for name in SANDBOX_PROBES} == {1}, first
    second = _open_in_a_fresh_process(root / "work")
    assert not any(second.get(name, 0) for name in SANDBOX_PROBES), second
    assert second["pyseccomp loaded"] == 0  # no `ldconfig -p` either
    for name in ("namespaces", "seccomp-bpf"):
        st = os.lstat(root / "work" / PROBE_CACHE / f"{name}.json")
        assert st.st_uid == os.geteuid() and st.st_mode & 0o777 == 0o600


def test_a_changed_key_probes_again_and_rewrites_the_entry(root: Path, fresh_bpf: None) -> None:
    cache = ProbeCache(root / "probes")
    isolation.probe_isolation(UID, cache=cache)
    path = root / "probes" / "namespaces.json"
    entry = json.loads(path.read_text())
    entry["key"]["kernel"][0] = "2.6.32-an-older-kernel"  # as after a reboot into another one
    path.write_text(json.dumps(entry))
    before = _probes()
    report = isolation.probe_isolation(UID, cache=cache)
    assert report.complete and _ran_since(before) == {"bwrap-version", "userns"}
    current = json.loads(json.dumps(isolation.namespace_key(UID)))
    assert json.loads(path.read_text())["key"] == current
    before = _probes()
    isolation.probe_isolation(UID, cache=cache)
    assert _ran_since(before) == set()


def test_a_user_namespace_switch_is_part_of_the_key(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in for /proc/sys/user/max_user_namespaces (the real one is the host's to change).
    switch = root / "max_user_namespaces"
    switch.write_text("63000\n")
    monkeypatch.setattr(isolation, "USERNS_SWITCHES", (str(switch),))
    cache = ProbeCache(root / "probes")
    isolation.probe_isolation(UID, cache=cache)
    before = _probes()
    isolation.probe_isolation(UID, cache=cache)
    assert "userns" not in _ran_since(before)
    switch.write_text("0\n")  # user namespaces turned off: the next start must look again
    before = _probes()
    isolation.probe_isolation(UID, cache=cache)
    assert "userns" in _ran_since(before)


def _tamper(path: Path, how: str, elsewhere: Path) -> None:
    if how == "bad json":
        path.write_text('{"key": ')
    elif how == "wrong owner":
        os.chown(path, 65534, 65534)
    elif how == "writable by others":
        os.chmod(path, 0o666)
    elif how == "symlink":
        shutil.copy(path, elsewhere)  # a perfect entry, reached through a link
        path.unlink()
        path.symlink_to(elsewhere)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["bad json", "wrong owner", "writable by others", "symlink"])
def test_a_tampered_entry_is_ignored_and_rewritten(
    root: Path, fresh_bpf: None, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ProbeCache(root / "probes")
    isolation.probe_isolation(UID, cache=cache)
    good = {name: (root / "probes" / f"{name}.json").read_bytes()
            for name in ("namespaces", "seccomp-bpf")}  # fmt: skip
    for name in good:
        _tamper(root / "probes" / f"{name}.json", how, root / f"elsewhere-{name}.json")
    monkeypatch.setattr(seccomp, "_bpf", None)
    before = _probes()
    report = isolation.probe_isolation(UID, cache=cache)
    assert report.complete
    assert _ran_since(before) == set(SANDBOX_PROBES)  # nothing was taken from a bad entry
    for name, data in good.items():
        path = root / "probes" / f"{name}.json"
        st = os.lstat(path)
        assert not path.is_symlink() and st.st_uid == os.geteuid()
        assert st.st_mode & 0o777 == 0o600
        assert json.loads(path.read_bytes())["key"] == json.loads(data)["key"]


def test_a_forged_seccomp_program_is_never_loaded(root: Path, fresh_bpf: None) -> None:
    cache = ProbeCache(root / "probes")
    real = seccomp.load_filter(cache)
    path = root / "probes" / "seccomp-bpf.json"
    entry = json.loads(path.read_text())
    entry["value"] = "not base64 at all!"
    path.write_text(json.dumps(entry))
    os.chmod(path, 0o600)
    seccomp._bpf = None
    assert seccomp.load_filter(cache) == real


def test_a_cache_directory_writable_by_others_is_not_used(root: Path) -> None:
    directory = root / "probes"
    directory.mkdir(mode=0o700)
    os.chmod(directory, 0o777)
    cache = ProbeCache(directory)
    cache.put("x", [1], "value")
    assert not (directory / "x.json").exists()
    assert cache.get("x", [1]) is None


def test_toolchain_versions_are_cached_until_the_binary_changes(root: Path) -> None:
    tool = root / "fakec"
    tool.write_text("#!/bin/sh\necho 'fakec version 1.0'\n")
    tool.chmod(0o755)
    language = Language(
        id="fakec", name="Fake", compiled=False, source_file="main.fake", extensions=(".fake",),
        compile=None, run=(str(tool), "{file}"), version=(str(tool), "--version"),
        version_pattern=r"version (\S+)",
    )  # fmt: skip
    cache = ProbeCache(root / "probes")

    def runs() -> int:
        return PROBES_RUN.get("toolchain-fakec", 0)

    before = runs()
    assert probe_toolchain(language, cache=cache).version == "1.0"
    assert probe_toolchain(language, cache=cache).version == "1.0"
    assert runs() == before + 1
    tool.write_text("#!/bin/sh\necho 'fakec version 2.0.1'\n")  # an upgrade
    assert probe_toolchain(language, cache=cache).version == "2.0.1"
    assert runs() == before + 2
