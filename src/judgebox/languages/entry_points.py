"""A submission's files and its entry point, by the Kattis rules.

A submission is one `code` string (named by the language: `source_file`, or for Java the
class it declares) or several files (name -> text). Of those, the files with one of the
language's source endings are its sources (`{files}` in the commands); the others (headers,
data) are only placed beside them. The entry point:

    java      the file declaring `main(`, named `Main.java` if several do; its class,
              package-qualified (`{main}` = `pkg.Main`)
    kotlin    the file declaring a top-level `fun main(`; its class `pkg.FileNameKt`
    others    the single source; else `__main__<ending>` (Python's package rule), the
              language's default entry (`entry`, e.g. main.py), then `main<ending>`;
              for a language the appendix gives no entry point, any source when all
              are compiled or loaded together (`{files}` in the compile or run
              command; Prolog's is loaded whole, named after the file defining main/0)

CPU-bound on submitted text (linear scanners): async callers run it in a worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath

from judgebox.languages.source_names import (
    declares_main_function,
    java_main_class,
    package_name,
    scala_main_object,
    strip_comments_and_literals,
)
from judgebox.languages.table import Language, source_file_name

# A file name of a submission: flat (no directories), not hidden, portable characters.
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,99}")
MAX_FILES = 100
# A clause of Prolog's main/0 at the start of a line: `main :- ...` or the fact `main.`
_PROLOG_MAIN = re.compile(r"^main\s*(:-|\.)", re.MULTILINE)


class EntryPointError(ValueError):
    """The files do not say what to run (the message says what to send instead)."""


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """What to compile and run: the entry file, its `{main}` name, all the sources."""

    file: str
    main: str
    sources: tuple[str, ...]


def check_file_names(names: list[str]) -> None:
    """EntryPointError unless every name is a flat, portable file name (and not too many)."""
    if not names:
        raise EntryPointError("no files: send at least one source file")
    if len(names) > MAX_FILES:
        raise EntryPointError(f"{len(names)} files, the limit is {MAX_FILES}")
    for name in names:
        if not _FILE_NAME.fullmatch(name) or name.endswith("."):
            raise EntryPointError(
                f"file name {name[:100]!r} is not allowed: use letters, digits and . _ + - "
                "(no directories, not starting with a dot, at most 100 characters)"
            )


def submission_files(language: Language, code: str) -> dict[str, str]:
    """A single-string submission as files: named by the language's rule."""
    return {source_file_name(language, code): code}


def entry_point(language: Language, files: Mapping[str, str]) -> EntryPoint:
    """The entry point of `files` in `language`; EntryPointError says what is missing."""
    check_file_names(list(files))
    endings = language.source_extensions
    sources = tuple(sorted(name for name in files if PurePath(name).suffix.lower() in endings))
    if not sources:
        raise EntryPointError(
            f"none of the files ({', '.join(sorted(files))}) is a {language.name} source: "
            f"name them with {', '.join(endings)}"
        )
    if language.source_name == "java":
        return _java_entry(files, sources)
    if language.source_name == "kotlin":
        return _kotlin_entry(files, sources)
    if language.source_name == "scala":
        return _scala_entry(files, sources)
    if len(sources) == 1:
        return EntryPoint(sources[0], PurePath(sources[0]).stem, sources)
    suffix = PurePath(language.entry or language.source_file).suffix
    for candidate in (f"__main__{suffix}", language.entry, f"main{suffix}"):
        if candidate is not None and candidate in sources:
            return EntryPoint(candidate, PurePath(candidate).stem, sources)
    if language.entry is None:  # the languages appendix names no entry point
        if language.id == "prolog":  # named after the file that defines main/0, if one does
            defining = [n for n in sources if _PROLOG_MAIN.search(files[n])]
            if len(defining) == 1:
                return EntryPoint(defining[0], PurePath(defining[0]).stem, sources)
        if "{files}" in (*(language.compile or ()), *language.run):
            # every source is compiled into one program, or loaded (Prolog, as Kattis
            # does): which file is "first" is moot
            return EntryPoint(sources[0], PurePath(sources[0]).stem, sources)
    raise EntryPointError(
        f"several {language.name} sources and none is the entry point: name it "
        f"{language.entry or 'main' + suffix}"
    )


def _java_entry(files: Mapping[str, str], sources: tuple[str, ...]) -> EntryPoint:
    with_main = [name for name in sources if _declares_main_method(files[name])]
    if len(with_main) > 1:
        named_main = [name for name in with_main if PurePath(name).stem == "Main"]
        if len(named_main) != 1:
            raise EntryPointError(
                f"several files declare main ({', '.join(with_main)}): name the one to run "
                "Main.java"
            )
        with_main = named_main
    entry = with_main[0] if with_main else sources[0]
    code = files[entry]
    cls = java_main_class(code) or PurePath(entry).stem
    package = package_name(code)
    return EntryPoint(entry, f"{package}.{cls}" if package else cls, sources)


def _kotlin_entry(files: Mapping[str, str], sources: tuple[str, ...]) -> EntryPoint:
    with_main = [name for name in sources if declares_main_function(files[name])]
    if len(with_main) > 1:
        raise EntryPointError(f"several files declare fun main ({', '.join(with_main)})")
    entry = with_main[0] if with_main else sources[0]
    stem = PurePath(entry).stem
    cls = stem[:1].upper() + stem[1:] + "Kt"
    package = package_name(files[entry])
    return EntryPoint(entry, f"{package}.{cls}" if package else cls, sources)


def _scala_entry(files: Mapping[str, str], sources: tuple[str, ...]) -> EntryPoint:
    found = [(name, scala_main_object(files[name])) for name in sources]
    with_object = [(name, obj) for name, obj in found if obj is not None]
    entry, obj = with_object[0] if with_object else (sources[0], PurePath(sources[0]).stem)
    package = package_name(files[entry])
    return EntryPoint(entry, f"{package}.{obj}" if package else obj, sources)


def _declares_main_method(code: str) -> bool:
    text = strip_comments_and_literals(code)
    position = text.find("main")
    while position >= 0:
        before = text[max(0, position - 40) : position].split()
        after = text[position + 4 : position + 40].lstrip()
        if before and before[-1] == "void" and after.startswith("("):
            return True
        position = text.find("main", position + 4)
    return False
