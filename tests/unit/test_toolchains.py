"""The toolchain probe: this host's real version commands, and fake languages left out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from judgebox.languages.table import Language, load_languages
from judgebox.languages.toolchains import (
    available_languages,
    probe_toolchain,
    probe_toolchains,
    require_toolchain,
)
from judgebox.vocabulary.errors import ToolchainUnavailableError, UnknownLanguageError

LANGUAGES = load_languages()
CORE = ["c", "cpp", "python3", "java", "javascript", "rust"]


def fake(language_id: str, version: list[str], pattern: str | None = r"(\d+\.\d+)") -> Language:
    """A language whose 'toolchain' is the given probe command."""
    return replace(
        LANGUAGES["python3"],
        id=language_id,
        name=language_id,
        extensions=(),
        compile=None,
        run=("/usr/bin/python3", "{file}"),
        version=tuple(version),
        version_pattern=pattern,
    )


def test_probe_finds_the_core_languages_with_numeric_versions() -> None:
    found = probe_toolchains(LANGUAGES)
    assert set(CORE) <= set(found), "install the missing toolchain (CI installs all six)"
    for language_id in CORE:
        assert found[language_id].version[0].isdigit(), found[language_id]
        assert found[language_id].version in found[language_id].banner
    assert list(found) == [lid for lid in LANGUAGES if lid in found]  # table order


def test_python_version_is_the_one_under_usr_bin() -> None:
    toolchain = probe_toolchain(LANGUAGES["python3"])
    assert toolchain.banner == f"Python {toolchain.version}"


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        (
            fake("ghost", ["/usr/bin/ghost-lang", "--version"]),
            "/usr/bin/ghost-lang is not installed",
        ),
        (fake("broken", ["/bin/false"]), "exited with 1"),
        (fake("mute", ["/bin/echo", "no digits"]), "no version matching"),
        (fake("silent", ["/bin/true"], pattern=None), "printed nothing"),
        (fake("slow", ["/bin/sleep", "5"]), "did not answer within 0.5 s"),
    ],
)
def test_a_language_whose_probe_fails_is_left_out_with_a_reason(
    language: Language, reason: str
) -> None:
    with pytest.raises(ToolchainUnavailableError, match=reason):
        probe_toolchain(language, timeout=0.5)
    found = probe_toolchains({language.id: language, "c": LANGUAGES["c"]}, timeout=0.5)
    assert list(found) == ["c"]


def test_a_missing_run_tool_excludes_the_language_even_if_the_probe_answers() -> None:
    language = replace(fake("half", ["/bin/echo", "1.0"]), run=("/usr/bin/no-such-vm", "{file}"))
    with pytest.raises(ToolchainUnavailableError, match="/usr/bin/no-such-vm is not installed"):
        probe_toolchain(language)


def test_without_a_pattern_the_first_line_is_the_version() -> None:
    toolchain = probe_toolchain(fake("plain", ["/bin/echo", "Toy 1.2 (test)"], pattern=None))
    assert toolchain.version == toolchain.banner == "Toy 1.2 (test)"


def test_probes_run_in_parallel(tmp_path: Path) -> None:
    # Each probe answers only once all four have started: one after another, the first
    # would wait until it gives up (exit 1: unavailable). No clock is read.
    wait_for_all = (
        f"touch {tmp_path}/$0; n=0; while [ $(ls {tmp_path} | wc -l) -lt 4 ]; do "
        "sleep 0.01; n=$((n+1)); [ $n -gt 500 ] && exit 1; done; echo 1.0"
    )
    probes = {
        f"together{i}": fake(f"together{i}", ["/bin/sh", "-c", wait_for_all, str(i)])
        for i in range(4)
    }
    assert len(probe_toolchains(probes)) == 4


def test_available_languages_probes_once_per_table(tmp_path: Path) -> None:
    counter = tmp_path / "probes"
    counting = fake("counted", ["/bin/sh", "-c", f"echo x >> {counter}; echo v2.5"])
    table = {"counted": counting, "ghost": fake("ghost", ["/usr/bin/ghost-lang"])}
    first = available_languages(table)
    second = available_languages(table)
    assert first == second and list(first) == ["counted"]
    assert first["counted"].version == "2.5"
    assert counter.read_text() == "x\n"


# Run in a child subreaper, as the judge is one: probe `argv` (with timeout 1 s), wait for
# what outlived the probe to die, and print the child's children (then kill and reap them).
_PROBE_IN_A_SUBREAPER = """
import ctypes, json, os, signal, sys, time
from dataclasses import replace
from judgebox.languages.table import load_languages
from judgebox.languages.toolchains import probe_toolchain
from judgebox.vocabulary.errors import ToolchainUnavailableError

ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
language = replace(load_languages()["python3"], id="leaver", version=tuple(sys.argv[1:]),
                   version_pattern=r"Leaver (\\d+\\.\\d+)")
try:
    answer = probe_toolchain(language, timeout=1.0).version
except ToolchainUnavailableError as error:
    answer = error.message
time.sleep(1.0)
me, left = os.getpid(), []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        continue
    name, fields = stat[stat.find("(") + 1 : stat.rfind(")")], stat.rsplit(")", 1)[1].split()
    if int(fields[1]) == me:
        left.append(f"{name} {fields[0]}")
        os.kill(int(pid), signal.SIGKILL)
        os.waitpid(int(pid), 0)
print(json.dumps([answer, left]))
"""
_LEAVER = (
    "(exec >/dev/null 2>&1; sleep 0.3) &"  # a helper that dies after the probe (inet_gethost)
    " setsid sleep 600 >/dev/null 2>&1 &"  # a daemon in a session of its own
)


@pytest.mark.parametrize(
    ("script", "answer"),
    [
        (_LEAVER + " echo Leaver 1.5", "1.5"),
        (_LEAVER + " sleep 600", "did not answer within 1 s"),
    ],
)
def test_a_probe_leaves_no_zombie_and_no_process_in_a_subreaper(script: str, answer: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE_IN_A_SUBREAPER, "/bin/sh", "-c", script],
        capture_output=True, text=True, env=env, check=True, timeout=60,
    )  # fmt: skip
    found, left = json.loads(done.stdout)
    assert answer in found
    assert left == []


def test_require_toolchain_names_the_offered_languages() -> None:
    found = available_languages()
    assert require_toolchain("c", found).language.id == "c"
    with pytest.raises(UnknownLanguageError, match=r"'brainfuck' is not available.*python3"):
        require_toolchain("brainfuck", found)
