"""Which languages of the table are usable on this host, and their versions.

A language is offered when every absolute path in its compile and run commands is an
executable file and its version probe exits 0 within a short timeout and prints a version.
Probes run on the host (not sandboxed: they run no submitted code), all in parallel, with
an environment like the sandbox's, each through probe_reaper.py, which kills and reaps
whatever the probe leaves behind. `available_languages()` probes once per table and caches.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from judgebox.languages.probe_reaper import TIMED_OUT
from judgebox.languages.table import Language, load_languages
from judgebox.vocabulary.errors import ToolchainUnavailableError, UnknownLanguageError
from judgebox.vocabulary.probe_cache import ProbeCache, count_probe, file_key

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 10.0
PROBE_WORKERS = 6
_REAPER = str(Path(__file__).with_name("probe_reaper.py"))
# The reaper times the probe from its start; this much more covers the reaper's own start
# and clear-up on a loaded host before it is stopped from here.
_REAPER_ALLOWANCE_S = 10.0
# What a sandboxed command sees; a probe must not succeed only thanks to the host's PATH.
_PROBE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}


@dataclass(frozen=True, slots=True)
class Toolchain:
    """A language that answered its probe: `version` e.g. "12.2.0", `banner` the full line."""

    language: Language
    version: str
    banner: str


def toolchain_key(language: Language) -> dict[str, object]:
    """What a language's version answer depends on: its commands and the files they name
    (an upgraded or removed compiler changes a file key, so the next lookup probes again)."""
    executables = sorted({*_executables(language), language.version[0]})
    return {
        "v": 1,
        "id": language.id,
        "version": list(language.version),
        "pattern": language.version_pattern,
        "files": [[path, file_key(path)] for path in executables],
    }


def probe_toolchain(
    language: Language, *, timeout: float = PROBE_TIMEOUT_S, cache: ProbeCache | None = None
) -> Toolchain:
    """Probe one language (through `cache` when given); raise ToolchainUnavailableError saying
    what is missing. Only an answered probe is cached: a missing toolchain is looked for again."""
    if cache is None:
        return _probe_toolchain(language, timeout=timeout)
    name, key = f"toolchain-{language.id}", toolchain_key(language)
    hit = cache.get(name, key)
    if (
        isinstance(hit, list)
        and len(hit) == 2
        and all(isinstance(part, str) for part in hit)
        and _missing_executable(language) is None
    ):
        return Toolchain(language, hit[0], hit[1])
    toolchain = _probe_toolchain(language, timeout=timeout)
    cache.put(name, key, [toolchain.version, toolchain.banner])
    return toolchain


def _missing_executable(language: Language) -> str | None:
    """The first absolute path in the language's commands that is not an executable file."""
    executables = _executables(language)
    return next((p for p in executables if not (os.path.isfile(p) and os.access(p, os.X_OK))), None)


def _probe_toolchain(language: Language, *, timeout: float) -> Toolchain:
    count_probe(f"toolchain-{language.id}")
    missing = _missing_executable(language)
    if missing is not None:
        raise ToolchainUnavailableError(
            f"language {language.id} is unavailable: {missing} is not installed "
            "(install its Debian package, or choose another language)"
        )
    return _parse_version(language, _run_probe(language, timeout))


def _run_probe(language: Language, timeout: float) -> str:
    """The output (stderr with stdout) of the version command, which must exit 0.

    It runs through the reaper: a helper the probe leaves (Erlang's inet_gethost) dies
    with it instead of becoming a zombie of the judge, a child subreaper.
    """
    # -I -S: the reaper imports only the standard library, so no site or environment
    argv = [sys.executable, "-I", "-S", _REAPER, str(timeout), *language.version]
    try:
        probe = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=_PROBE_ENV,
        )  # fmt: skip
    except OSError as error:  # the reaper's interpreter; the probe's own start is the reaper's
        raise ToolchainUnavailableError(
            f"language {language.id} is unavailable: cannot start {argv[0]}: {error}"
        ) from error
    stopped = False
    try:
        stdout, _ = probe.communicate(timeout=timeout + _REAPER_ALLOWANCE_S)
    except subprocess.TimeoutExpired:
        stopped = True
        probe.terminate()  # the reaper kills the probe and all below it, then exits
        try:
            stdout, _ = probe.communicate(timeout=_REAPER_ALLOWANCE_S)
        except subprocess.TimeoutExpired:
            probe.kill()
            stdout, _ = probe.communicate()
    if stopped or probe.returncode == TIMED_OUT:
        raise ToolchainUnavailableError(
            f"language {language.id} is unavailable: {' '.join(language.version)} did not "
            f"answer within {timeout:g} s"
        )
    output = stdout.decode("utf-8", "replace")
    if probe.returncode != 0:
        raise ToolchainUnavailableError(
            f"language {language.id} is unavailable: {' '.join(language.version)} exited with "
            f"{probe.returncode}: {_first_line(output)}"
        )
    return output


def probe_toolchains(
    languages: Mapping[str, Language], *, timeout: float = PROBE_TIMEOUT_S
) -> dict[str, Toolchain]:
    """Probe every language in parallel; the ones that answered, in table order."""
    if not languages:
        return {}

    def attempt(language: Language) -> Toolchain | None:
        try:
            return probe_toolchain(language, timeout=timeout)
        except ToolchainUnavailableError as error:
            logger.info("%s", error.message)
            return None

    from concurrent.futures import ThreadPoolExecutor  # only when probing them all

    # A few at a time: forty JVM/BEAM/compiler starts at once on two cores miss the timeout.
    workers = min(len(languages), PROBE_WORKERS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as pool:
        results = list(pool.map(attempt, languages.values()))
    return {toolchain.language.id: toolchain for toolchain in results if toolchain is not None}


def available_languages(languages: Mapping[str, Language] | None = None) -> dict[str, Toolchain]:
    """The usable languages of a table (the bundled one by default); probed once, then cached."""
    table = load_languages() if languages is None else languages
    return dict(_probe_cached(tuple(table.values())))


def require_toolchain(language_id: str, toolchains: Mapping[str, Toolchain]) -> Toolchain:
    """The toolchain of `language_id`, or an UnknownLanguageError listing the offered ids."""
    try:
        return toolchains[language_id]
    except KeyError:
        offered = ", ".join(toolchains) or "none"
        raise UnknownLanguageError(
            f"language {language_id!r} is not available here; use one of: {offered} "
            "(GET /languages lists them)"
        ) from None


@lru_cache(maxsize=8)
def _probe_cached(languages: tuple[Language, ...]) -> dict[str, Toolchain]:
    return probe_toolchains({language.id: language for language in languages})


def _executables(language: Language) -> list[str]:
    commands = [language.version, language.run, *([language.compile] if language.compile else [])]
    return sorted({arg for argv in commands for arg in argv if arg.startswith("/")})


def _parse_version(language: Language, output: str) -> Toolchain:
    if language.version_pattern is None:
        line = _first_line(output)
        if not line:
            raise ToolchainUnavailableError(
                f"language {language.id} is unavailable: "
                f"{' '.join(language.version)} printed nothing"
            )
        return Toolchain(language, line, line)
    for line in output.splitlines():
        match = re.search(language.version_pattern, line)
        if match:
            return Toolchain(language, match.group(1), line.strip())
    raise ToolchainUnavailableError(
        f"language {language.id} is unavailable: no version matching "
        f"{language.version_pattern!r} in the output of {' '.join(language.version)}: "
        f"{_first_line(output)!r}"
    )


def _first_line(output: str) -> str:
    return next((line.strip() for line in output.splitlines() if line.strip()), "")
