"""Package programs (output validators) as the Kattis spec defines them: how to build and run.

A program is a single file or a folder; a single file is a folder holding only
that file. In order:

    build and/or run script    `build` (if present) runs in a copy of the folder;
                               then `run` is the program (spec: "Other programs")
    Python                     one .py file, or a package whose entry is __main__.py
                               (else validator.py / main.py, or the only .py)
    C / C++                    every .c/.cc/.cpp… of the folder compiled together, with
                               the headers beside them (validate.cc + validate.h)
    any other table language   its files by ending; the entry validator.* / main.* or
                               the only one

The language comes from the file endings in the language table. Reading the
folder happens on the host; building and running happen in the sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from judgebox.languages.table import Language
from judgebox.problems.common import substitute_bytes
from judgebox.vocabulary.errors import ProblemPackageError

# More than this many bytes of program files is not a validator: refuse before reading on.
PROGRAM_BYTES_LIMIT = 64 * 1024 * 1024
_PREFERRED_STEMS = ("validator", "validate", "main", "checker", "check")
_SCRIPT_LANGUAGE = "package-script"


@dataclass(frozen=True, slots=True)
class ProgramSource:
    """A program's files, its entry file and the language (a derived row) that builds it."""

    language: Language
    main: str
    files: dict[str, bytes]
    toolchain_id: str  # the table language whose toolchain must be present ("" for scripts)


def read_program_files(path: Path) -> dict[str, bytes]:
    """The program's regular files by name (a single file, or a folder's top level)."""
    files: dict[str, bytes] = {}
    entries = [path] if path.is_file() else sorted(path.iterdir()) if path.is_dir() else []
    total = 0
    for entry in entries:
        if entry.name.startswith((".", "-")) or not entry.is_file() or entry.is_symlink():
            continue
        data = entry.read_bytes()
        total += len(data)
        if total > PROGRAM_BYTES_LIMIT:
            raise ProblemPackageError(f"{path}: the program's files are over 64 MiB")
        files[entry.name] = data
    return files


def resolve_program(
    path: Path, languages: Mapping[str, Language], constants: tuple[tuple[str, str], ...] = ()
) -> ProgramSource:
    """Decide how to build and run the program at `path` (a ProblemPackageError if unclear).

    `constants`: problem.yaml's, substituted for `{{name}}` in the files (spec "Constants").
    """
    files = {n: substitute_bytes(d, constants) for n, d in read_program_files(path).items()}
    if not files:
        raise ProblemPackageError(f"{path}: the program is missing or empty")
    if "build" in files or "run" in files:
        return _scripted(path, files)
    by_language: dict[str, list[str]] = {}
    for name in files:
        suffix = PurePosixPath(name).suffix.lower()
        for language in languages.values():
            if suffix and suffix in language.extensions:
                by_language.setdefault(language.id, []).append(name)
                break
    if "c" in by_language and "cpp" in by_language:  # C and C++ together: built as C++
        by_language["cpp"] += by_language.pop("c")
    if len(by_language) != 1:
        found = ", ".join(sorted(by_language)) or "none"
        raise ProblemPackageError(
            f"{path}: cannot tell the program's language from its file endings (languages "
            f"found: {found}); a program is one language, or has a build/run script"
        )
    language_id, sources = next(iter(by_language.items()))
    language = languages[language_id]
    if language_id in ("c", "cpp") and language.compile is not None:
        main = _entry(sources) or sorted(sources)[0]
        compile_argv = _expand_file(language.compile, sorted(sources))
        return ProgramSource(replace(language, compile=compile_argv), main, files, language_id)
    if language_id in ("python3", "pypy3") and "__main__.py" in sources:
        return ProgramSource(language, "__main__.py", files, language_id)
    entry = _entry(sources) if len(sources) > 1 else sources[0]
    if entry is None:
        raise ProblemPackageError(
            f"{path}: several {language.name} files and no entry point; name it "
            f"{'__main__.py' if language_id.startswith('py') else 'validator.*'}"
        )
    return ProgramSource(language, entry, files, language_id)


def named_program(
    main: Path, headers: tuple[Path, ...], languages: Mapping[str, Language]
) -> ProgramSource:
    """One named source compiled alone, with the headers beside it (a testlib checker and
    testlib.h): a Polygon files/ folder holds other programs that must not be linked in."""
    suffix = main.suffix.lower()
    language = next((lang for lang in languages.values() if suffix in lang.extensions), None)
    if language is None:
        raise ProblemPackageError(
            f"{main}: no installed language compiles {suffix or 'files without a suffix'} "
            "files; write the checker in C++, C or Python"
        )
    files: dict[str, bytes] = {}
    for path in (*headers, main):
        files.update(read_program_files(path))
        if sum(len(data) for data in files.values()) > PROGRAM_BYTES_LIMIT:
            raise ProblemPackageError(f"{main}: the program's files are over 64 MiB")
    if main.name not in files:
        raise ProblemPackageError(f"{main}: missing, or not a regular file")
    return ProgramSource(language, main.name, files, language.id)


def _entry(sources: list[str]) -> str | None:
    for stem in _PREFERRED_STEMS:
        for name in sorted(sources):
            if PurePosixPath(name).stem.lower() == stem:
                return name
    return None


def _expand_file(template: tuple[str, ...], sources: list[str]) -> tuple[str, ...]:
    """The compile argv with the `{file}` (or `{files}`) element replaced by every source file."""
    argv: list[str] = []
    for element in template:
        if element in ("{file}", "{files}"):
            argv += [s.replace("{", "{{").replace("}", "}}") for s in sources]
        else:
            argv.append(element)
    return tuple(argv)


def _scripted(path: Path, files: dict[str, bytes]) -> ProgramSource:
    """A `build`/`run` program: build (if present) in the sandbox, then `./run`."""
    if "run" not in files and "build" not in files:  # pragma: no cover - caller checks
        raise ProblemPackageError(f"{path}: no build or run script")
    # Files are copied without their mode: the step makes `run` executable after `build`.
    step = (
        "if [ -f build ]; then /bin/sh ./build || exit $?; fi; "
        "if [ ! -f run ]; then echo 'build did not make a run file' >&2; exit 1; fi; "
        "chmod +x run"
    )
    language = Language(
        id=_SCRIPT_LANGUAGE,
        name="build/run script",
        compiled=True,
        source_file="run",
        extensions=(),
        compile=("/bin/sh", "-c", step.replace("{", "{{").replace("}", "}}")),
        run=("./run",),
        version=("/bin/sh", "-c", "echo 1"),
        compile_time=60.0,
        compile_memory=2048 * 1024 * 1024,
    )
    main = "build" if "build" in files else "run"
    return ProgramSource(language, main, files, "")
