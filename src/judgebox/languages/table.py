"""The language table (`languages.toml`) as typed data, and the rendering of its command templates.

A `Language` says how a submission is named, compiled and run; the table's header comment
describes every key and placeholder. Which languages are actually offered on this host is
decided by `toolchains.py`.
"""

from __future__ import annotations

import contextlib
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from judgebox.languages.source_names import SOURCE_NAMERS
from judgebox.vocabulary.errors import LanguageTableError, UnknownLanguageError
from judgebox.vocabulary.limits import Limits, parse_duration, parse_size
from judgebox.vocabulary.probe_cache import ProbeCache, file_key

PLACEHOLDERS = frozenset({"file", "files", "stem", "main", "memory_mb", "heap_mb"})
# An argv element that is exactly this expands to one element per source file.
_FILES_ELEMENT = "{files}"
_MIB = 1024**2
_ID_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
_REQUIRED = ("name", "compiled", "source_file", "extensions", "run", "version")
_DEFAULTED = (
    "extra_memory",
    "extra_processes",
    "compile_time",
    "compile_memory",
    "compile_processes",
    "memory_error_markers",
)
_OPTIONAL = (
    "compile",
    "version_pattern",
    "source_name",
    "aliases",
    "other_extensions",
    "entry",
    "packages",
    "support_files",
)
_KNOWN_KEYS = frozenset(_REQUIRED + _DEFAULTED + _OPTIONAL)


@dataclass(frozen=True, slots=True)
class Language:
    """One row of the language table. Sizes in bytes, times in seconds."""

    id: str
    name: str
    compiled: bool
    source_file: str
    extensions: tuple[str, ...]
    compile: tuple[str, ...] | None
    run: tuple[str, ...]
    version: tuple[str, ...]
    version_pattern: str | None = None
    extra_memory: int = 0
    extra_processes: int = 0
    compile_time: float = 30.0
    compile_memory: int = 1024 * _MIB
    compile_processes: int = 128
    memory_error_markers: tuple[str, ...] = ()
    source_name: str | None = None  # a scanner of source_names.SOURCE_NAMERS
    aliases: tuple[str, ...] = ()  # older ids that still name this language
    # endings accepted in a multi-file submission and compiled, not used to pick the language
    other_extensions: tuple[str, ...] = ()
    entry: str | None = None  # the Kattis default entry point file, e.g. main.py
    packages: tuple[str, ...] = ()  # the Debian packages that bring the toolchain
    # files judgebox writes beside the sources before the compile (name, content)
    support_files: tuple[tuple[str, str], ...] = ()

    @property
    def source_extensions(self) -> tuple[str, ...]:
        """Every ending of a file that is a source of this language (passed as {files})."""
        suffix = PurePath(self.source_file).suffix.lower()
        endings = (*self.extensions, *self.other_extensions)
        return endings if suffix in endings else (suffix, *endings)

    def run_limits(self, limits: Limits) -> Limits:
        """The problem's limits plus the memory and processes this language's runtime needs."""
        return limits.replace(
            memory=limits.memory + self.extra_memory,
            processes=limits.processes + self.extra_processes,
        )

    @property
    def compile_limits(self) -> Limits:
        """The limits of the compile step (or syntax check)."""
        return Limits(
            cpu_time=self.compile_time,
            wall_time=self.compile_time,
            memory=self.compile_memory,
            processes=self.compile_processes,
        )

    def command_values(
        self, file: str, limits: Limits, *, main: str | None = None
    ) -> dict[str, str]:
        """The placeholder values for the entry file, the problem's (unadjusted) limits and
        the entry's name (`main`: e.g. Java's package-qualified class; default the stem)."""
        memory_mb = max(1, limits.memory // _MIB)
        return {
            "file": file,
            "stem": PurePath(file).stem,
            "main": main or PurePath(file).stem,
            "memory_mb": str(memory_mb),
            "heap_mb": str(memory_mb),
        }

    def compile_argv(
        self,
        file: str,
        limits: Limits,
        *,
        sources: Sequence[str] | None = None,
        main: str | None = None,
    ) -> list[str] | None:
        """The compile argv for entry `file` (and all `sources`, default just `file`), or
        None when the language has no build step."""
        if self.compile is None:
            return None
        return render_command(
            self.compile, files=sources or [file], **self.command_values(file, limits, main=main)
        )

    def run_argv(
        self,
        file: str,
        limits: Limits,
        *,
        main: str | None = None,
        sources: Sequence[str] = (),
    ) -> list[str]:
        """The run argv for entry `file` under the problem's limits (`{files}`: all the
        submission's `sources`, default `file` alone: Prolog loads every file)."""
        return render_command(
            self.run, files=sources or [file], **self.command_values(file, limits, main=main)
        )

    def shown_command(self, template: Sequence[str] | None) -> str | None:
        """A command template as a person reads it (GET /languages): placeholders kept."""
        if template is None:
            return None
        return " ".join(template)


def render_command(
    template: Sequence[str], *, files: Sequence[str] = (), **values: str | int
) -> list[str]:
    """Fill `{placeholder}`s in each argv element; `{{` is a literal brace.

    An element that is exactly `{files}` becomes one element per name in `files`.
    """
    argv: list[str] = []
    for element in template:
        if element == _FILES_ELEMENT:
            argv.extend(files)
            continue
        names = _placeholders_in(element)
        unknown = names - PLACEHOLDERS
        if unknown:
            raise LanguageTableError(
                f"command element {element!r} uses unknown placeholder(s) "
                f"{', '.join(sorted(unknown))}; known: {', '.join(sorted(PLACEHOLDERS))}"
            )
        missing = names - values.keys()
        if missing:
            raise LanguageTableError(
                f"command element {element!r} needs a value for {', '.join(sorted(missing))}; "
                "pass it to render_command()"
            )
        if "files" in names:
            raise LanguageTableError(
                f"command element {element!r}: {{files}} must be a whole argv element"
            )
        argv.append(element.format_map({name: str(values[name]) for name in names}))
    return argv


def load_languages(
    path: str | Path | None = None, *, cache: ProbeCache | None = None
) -> dict[str, Language]:
    """Read and validate the language table (the bundled `languages.toml` by default).

    With `cache`, the parsed TOML is kept there, keyed by the file's identity (path, inode,
    size, mtime): parsing it was a tenth of a cold `judgebox run`'s own start-up (issue
    17). The table is validated on every load, cached or not."""
    file = Path(__file__).with_name("languages.toml") if path is None else Path(path)
    where = "the bundled languages.toml" if path is None else str(path)
    key = file_key(file) if cache is not None else None
    document = cache.get(_CACHE_ENTRY, key) if cache is not None and key is not None else None
    if not isinstance(document, dict):
        document = _read_toml(file, where)
        if cache is not None and key is not None:
            with contextlib.suppress(TypeError, ValueError):  # not JSON (a TOML date): uncached
                cache.put(_CACHE_ENTRY, key, document)
    strays = sorted(set(document) - {"defaults", "languages"})
    if strays:
        raise LanguageTableError(
            f"{where}: unknown top-level table(s) {', '.join(strays)}; "
            "write [defaults] and [languages.<id>]"
        )
    defaults = document.get("defaults", {})
    rows = document.get("languages")
    if not isinstance(defaults, dict) or not isinstance(rows, dict) or not rows:
        raise LanguageTableError(
            f"{where} needs a [defaults] table and at least one [languages.<id>] table"
        )
    languages = {lid: _parse_language(lid, row, defaults, where) for lid, row in rows.items()}
    _check_extensions_unique(languages, where)
    _check_aliases(languages, where)
    return languages


_CACHE_ENTRY = "languages-toml"


def _read_toml(file: Path, where: str) -> dict[str, Any]:
    import tomllib  # here: a cached table needs no TOML parser

    try:
        text = file.read_text("utf-8")
    except OSError as error:
        raise LanguageTableError(f"cannot read language table {file}: {error}") from error
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LanguageTableError(f"{where} is not valid TOML: {error}") from error


def resolve_language_id(language_id: str, languages: Mapping[str, Language]) -> str:
    """The table id of `language_id`, which may be an alias (e.g. an older id); else as is."""
    if language_id in languages:
        return language_id
    for language in languages.values():
        if language_id in language.aliases:
            return language.id
    return language_id


def language_for_file(path: str | PurePath, languages: Mapping[str, Language]) -> Language:
    """The language whose extensions include `path`'s suffix (case-insensitive)."""
    suffix = PurePath(path).suffix.lower()
    for language in languages.values():
        if suffix and suffix in language.extensions:
            return language
    known = ", ".join(sorted(ext for lang in languages.values() for ext in lang.extensions))
    raise UnknownLanguageError(
        f"cannot tell the language of {str(path)!r} from its extension {suffix or '(none)'}; "
        f"known extensions: {known}; or name the language explicitly"
    )


def source_file_name(language: Language, code: str) -> str:
    """The source's file name: named after e.g. Java's public class, else the table's default.

    Linear in the code's length, but CPU-bound on submitted text: async callers run it in
    a worker thread.
    """
    if language.source_name is None:
        return language.source_file
    name = SOURCE_NAMERS[language.source_name](code)
    if name is None:
        return language.source_file
    return name + PurePath(language.source_file).suffix


def _placeholders_in(element: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(element) if field is not None}
    except ValueError as error:
        raise LanguageTableError(
            f"command element {element!r} has an unbalanced brace ({error}); write {{{{ for a "
            "literal brace"
        ) from error


def _parse_language(language_id: str, row: Any, defaults: dict[str, Any], where: str) -> Language:
    context = f"{where}, [languages.{language_id}]"
    if not _ID_RE.match(language_id):
        raise LanguageTableError(f"{context}: an id is lower-case letters, digits, '-' or '_'")
    if not isinstance(row, dict):
        raise LanguageTableError(f"{context} must be a table")
    unknown = sorted(set(row) - _KNOWN_KEYS)
    if unknown:
        raise LanguageTableError(
            f"{context}: unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_KNOWN_KEYS))}"
        )
    missing = [key for key in _REQUIRED if key not in row]
    missing += [key for key in _DEFAULTED if key not in row and key not in defaults]
    if missing:
        raise LanguageTableError(f"{context}: missing key(s) {', '.join(missing)}")
    merged = {**{key: defaults[key] for key in _DEFAULTED if key in defaults}, **row}
    field = _FieldReader(merged, context)
    language = Language(
        id=language_id,
        name=field.text("name"),
        compiled=field.flag("compiled"),
        source_file=field.text("source_file"),
        extensions=tuple(ext.lower() for ext in field.texts("extensions")),
        compile=field.argv("compile") if "compile" in merged else None,
        run=field.argv("run"),
        version=field.argv("version"),
        version_pattern=field.regex("version_pattern", group=1),
        extra_memory=field.size("extra_memory"),
        extra_processes=field.count("extra_processes"),
        compile_time=field.duration("compile_time"),
        compile_memory=field.size("compile_memory"),
        compile_processes=field.count("compile_processes"),
        memory_error_markers=field.texts("memory_error_markers"),
        source_name=field.choice("source_name", SOURCE_NAMERS) if "source_name" in row else None,
        aliases=field.texts("aliases") if "aliases" in row else (),
        other_extensions=tuple(
            ext.lower()
            for ext in (field.texts("other_extensions") if "other_extensions" in row else ())
        ),
        entry=field.text("entry") if "entry" in row else None,
        packages=field.texts("packages") if "packages" in row else (),
        support_files=field.files("support_files") if "support_files" in row else (),
    )
    if "/" in language.source_file or not PurePath(language.source_file).suffix:
        raise LanguageTableError(f"{context}: source_file must be a bare name with an extension")
    bad_extensions = [
        ext
        for ext in (*language.extensions, *language.other_extensions)
        if not re.fullmatch(r"\.[^./]+", ext)
    ]
    if bad_extensions:
        raise LanguageTableError(f"{context}: extensions look like '.c', not {bad_extensions}")
    return language


class _FieldReader:
    """Typed access to one language's keys; every wrong type names the key and the fix."""

    def __init__(self, row: dict[str, Any], context: str) -> None:
        self.row = row
        self.context = context

    def _fail(self, key: str, wanted: str) -> LanguageTableError:
        return LanguageTableError(f"{self.context}: {key} must be {wanted}, not {self.row[key]!r}")

    def text(self, key: str) -> str:
        value = self.row[key]
        if not isinstance(value, str) or not value:
            raise self._fail(key, "a non-empty string")
        return value

    def flag(self, key: str) -> bool:
        value = self.row[key]
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def count(self, key: str) -> int:
        value = self.row[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self._fail(key, "a whole number >= 0")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.row[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self._fail(key, "a list of non-empty strings")
        return tuple(value)

    def files(self, key: str) -> tuple[tuple[str, str], ...]:
        value = self.row[key]
        if not isinstance(value, dict) or not all(
            isinstance(name, str)
            and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", name)
            and isinstance(text, str)
            for name, text in value.items()
        ):
            raise self._fail(key, "a table of bare file names to their text")
        return tuple(sorted(value.items()))

    def argv(self, key: str) -> tuple[str, ...]:
        value = self.texts(key)
        if not value:
            raise self._fail(key, "a non-empty argv list")
        for element in value:
            unknown = _placeholders_in(element) - PLACEHOLDERS
            if unknown:
                raise LanguageTableError(
                    f"{self.context}: {key} uses unknown placeholder(s) "
                    f"{', '.join(sorted(unknown))}; known: {', '.join(sorted(PLACEHOLDERS))}"
                )
        return value

    def size(self, key: str) -> int:
        value = self.row[key]
        try:
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise TypeError(key)
            return parse_size(value)
        except (TypeError, ValueError) as error:
            raise self._fail(key, "a size such as '64m'") from error

    def duration(self, key: str) -> float:
        value = self.row[key]
        try:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise TypeError(key)
            return parse_duration(value)
        except (TypeError, ValueError) as error:
            raise self._fail(key, "a duration such as '30s'") from error

    def choice(self, key: str, choices: Mapping[str, object]) -> str:
        value = self.text(key)
        if value not in choices:
            raise self._fail(key, f"one of {', '.join(sorted(choices))}")
        return value

    def regex(self, key: str, group: int | str | None = None) -> str | None:
        if key not in self.row:
            return None
        pattern = self.text(key)
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise self._fail(key, f"a valid regular expression ({error})") from error
        if isinstance(group, int) and compiled.groups < group:
            raise self._fail(key, f"a regular expression with a group {group}")
        if isinstance(group, str) and group not in compiled.groupindex:
            raise self._fail(key, f"a regular expression with a group named {group!r}")
        return pattern


def _check_extensions_unique(languages: Mapping[str, Language], where: str) -> None:
    owner: dict[str, str] = {}
    for language in languages.values():
        for ext in language.extensions:
            if ext in owner:
                raise LanguageTableError(
                    f"{where}: extension {ext} is claimed by both {owner[ext]} and "
                    f"{language.id}; keep it in one of them"
                )
            owner[ext] = language.id


def _check_aliases(languages: Mapping[str, Language], where: str) -> None:
    owner: dict[str, str] = {}
    for language in languages.values():
        for alias in language.aliases:
            if alias in languages or alias in owner:
                raise LanguageTableError(
                    f"{where}: alias {alias!r} of {language.id} is already an id or an alias "
                    f"of {owner.get(alias, alias)}"
                )
            owner[alias] = language.id
