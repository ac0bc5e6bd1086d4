"""Problem packages: what a problem's cases, limits, checker and statement are.

A Kattis / ICPC package, legacy or 2023-07 format:

    PACKAGE/                        the folder's name is the problem's name
    ├── problem.yaml                name, limits, validation (legacy) or type (2023-07), flags
    ├── .timelimit                  optional: the time limit in seconds, as Kattis tools write it
    ├── problem_statement/          legacy statement: problem.en.md, problem.tex, problem.html …
    ├── statement/                  2023-07 statement (same file names)
    ├── data/
    │   ├── testdata.yaml           optional (2023-07): output_validator_flags
    │   ├── sample/NAME.in + NAME.ans
    │   └── secret/NAME.in + NAME.ans, and groups: secret/GROUP/NAME.in … (any depth)
    ├── output_validators/NAME/     legacy custom validator (a source folder or one file)
    ├── output_validator/           2023-07 custom validator
    └── submissions/accepted/*, wrong_answer/*, time_limit_exceeded/* …

Cases run samples first, then secret; inside a folder, files and groups
sorted by name (Kattis order). A plain folder of `NAME.in` + `NAME.ans` (or
`NAME.out`) pairs is a problem too: names starting with "sample" are samples,
the others secret, in natural order (2 before 10).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml

from judgebox.problems.programs import Expectation, ProgramSource
from judgebox.vocabulary.checker_flags import CheckerFlags, parse_validator_flags
from judgebox.vocabulary.errors import ProblemPackageError, UsageError

StatementFormat = Literal["markdown", "html", "latex", "text"]
_STATEMENT_SUFFIXES: dict[str, StatementFormat] = {
    ".md": "markdown", ".html": "html", ".tex": "latex", ".txt": "text",
}  # fmt: skip
_MIB = 1024 * 1024


class Validation(Enum):
    """How a case's output is judged."""

    DEFAULT = "default"  # the default token checker (checkers.py) with validator_flags
    CUSTOM = "custom"  # the package's output validator (exit 42 / 43)
    INTERACTIVE = "interactive"  # the validator talks with the program through pipes
    TESTLIB = "testlib"  # a testlib checker: checker input output answer (judging/testlib.py)
    TESTLIB_INTERACTIVE = "testlib-interactive"  # a testlib interactor (+ checker on its tout)


@dataclass(frozen=True, slots=True)
class TestCase:
    """One case: its 1-based position, its name (`sample/1`, `secret/group1/03`) and files."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    index: int
    name: str
    input_path: Path
    answer_path: Path
    is_sample: bool


@dataclass(frozen=True, slots=True)
class Problem:
    """A loaded problem. A limit is None where the package gives none (the judge's default)."""

    name: str
    title: str
    path: Path
    cases: tuple[TestCase, ...]
    time_limit: float | None = None  # seconds
    memory_limit: int | None = None  # bytes
    output_limit: int | None = None  # bytes
    validation: Validation = Validation.DEFAULT
    validator_flags: tuple[str, ...] = ()
    output_validator: Path | None = None  # the validator's source folder or file
    statement: str | None = None
    statement_format: StatementFormat | None = None
    time_multiplier: float | None = None
    time_safety_margin: float | None = None
    format_version: Literal["legacy", "2023-07", "plain", "inline", "polygon"] = "legacy"
    checker_flags: CheckerFlags = field(default_factory=CheckerFlags)
    # testlib problems (Polygon): the checker and interactor sources with their headers
    testlib_checker: ProgramSource | None = None
    testlib_interactor: ProgramSource | None = None
    # solutions whose expected verdicts the package states (Polygon's solution tags)
    expectations: tuple[Expectation, ...] = ()

    @property
    def samples(self) -> tuple[TestCase, ...]:
        """The sample cases (shown to contestants)."""
        return tuple(case for case in self.cases if case.is_sample)


def load_problem(path: Path) -> Problem:
    """Load a Kattis/ICPC package, a Polygon package or a plain folder of `.in`/`.ans` pairs."""
    path = Path(path)
    if not path.is_dir():
        raise ProblemPackageError(f"{path}: not a folder; give the problem package's folder")
    if (path / "problem.yaml").is_file() or (path / "data").is_dir():
        return _load_package(path)
    if (path / "problem.xml").is_file():
        from judgebox.problems.polygon import load_polygon  # polygon imports this module

        return load_polygon(path)
    return _load_plain_folder(path)


def _load_package(path: Path) -> Problem:
    yaml_file = path / "problem.yaml"
    config = _read_yaml(yaml_file)
    version = _format_version(path, config)
    limits = _mapping(config, "limits", yaml_file)
    if version == "2023-07":
        multipliers = _mapping(limits, "time_multipliers", yaml_file)
        multiplier = _number(multipliers, "ac_to_time_limit", yaml_file)
        margin = _number(multipliers, "time_limit_to_tle", yaml_file)
        validation, validator = _validation_2023(path, config)
        testdata = _read_yaml(path / "data" / "testdata.yaml")
        flags = _flags(testdata, "output_validator_flags", path / "data" / "testdata.yaml")
        flags = flags or _flags(config, "validator_flags", yaml_file)
    else:
        multiplier = _number(limits, "time_multiplier", yaml_file)
        margin = _number(limits, "time_safety_margin", yaml_file)
        validation, validator = _validation_legacy(path, config)
        flags = _flags(config, "validator_flags", yaml_file)
    time_limit = _number(limits, "time_limit", yaml_file) or _read_timelimit(path)
    memory, output = _number(limits, "memory", yaml_file), _number(limits, "output", yaml_file)
    cases = _kattis_cases(path)
    statement, statement_format = _find_statement(path)
    return Problem(
        name=path.name,
        title=_title(config, statement, path),
        path=path,
        cases=cases,
        time_limit=time_limit,
        memory_limit=int(memory * _MIB) if memory else None,
        output_limit=int(output * _MIB) if output else None,
        validation=validation,
        validator_flags=flags,
        output_validator=validator,
        statement=statement,
        statement_format=statement_format,
        time_multiplier=multiplier,
        time_safety_margin=margin,
        format_version=version,
        checker_flags=_checker_flags(validation, flags, yaml_file),
    )


def _checker_flags(validation: Validation, flags: tuple[str, ...], where: Path) -> CheckerFlags:
    if validation is not Validation.DEFAULT:
        return CheckerFlags()  # the flags go to the custom validator as arguments
    try:
        return parse_validator_flags(flags)
    except ProblemPackageError as error:
        raise ProblemPackageError(f"{where}: {error.message}") from None


def _read_yaml(file: Path) -> dict[str, Any]:
    if not file.is_file():
        return {}
    try:
        loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise ProblemPackageError(
            f"{file}: not valid YAML{at} ({error}); fix the syntax (keys like `limits:` "
            "need a colon, nested keys are indented with spaces)"
        ) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ProblemPackageError(f"{file}: must be a mapping of keys (name:, limits: …)")
    return loaded


def _format_version(path: Path, config: Mapping[str, Any]) -> Literal["legacy", "2023-07"]:
    version = str(config.get("problem_format_version", "legacy"))
    if version.startswith("2023-07"):
        return "2023-07"
    if version in ("legacy", "legacy-icpc"):
        return "legacy"
    raise ProblemPackageError(
        f"{path / 'problem.yaml'}: unknown problem_format_version {version!r}; "
        "use legacy or 2023-07 (or leave it out for legacy)"
    )


def _mapping(config: Mapping[str, Any], key: str, file: Path) -> Mapping[str, Any]:
    value = config.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProblemPackageError(f"{file}: `{key}` must be a mapping (indented keys below it)")
    return value


def _number(config: Mapping[str, Any], key: str, file: Path) -> float | None:
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ProblemPackageError(f"{file}: `{key}` must be a positive number, not {value!r}")
    if not math.isfinite(value):
        raise ProblemPackageError(f"{file}: `{key}` must be a finite number, not {value!r}")
    return float(value)


def _flags(config: Mapping[str, Any], key: str, file: Path) -> tuple[str, ...]:
    value = config.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(isinstance(flag, str | int | float) for flag in value):
        return tuple(str(flag) for flag in value)
    raise ProblemPackageError(
        f"{file}: `{key}` must be a string of flags, e.g. {key}: float_tolerance 1e-6"
    )


def _read_timelimit(path: Path) -> float | None:
    file = path / ".timelimit"
    if not file.is_file():
        return None
    text = file.read_text(encoding="utf-8", errors="replace").strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ProblemPackageError(
            f"{file}: must hold the time limit in seconds (e.g. 2), not {text!r}"
        )
    return seconds


def _validation_legacy(path: Path, config: Mapping[str, Any]) -> tuple[Validation, Path | None]:
    file = path / "problem.yaml"
    value = config.get("validation", "default")
    words = value.split() if isinstance(value, str) else None
    if words == ["default"]:
        return Validation.DEFAULT, None
    if words not in (["custom"], ["custom", "interactive"]):
        raise ProblemPackageError(
            f"{file}: `validation` must be default, custom or custom interactive, not {value!r} "
            "(scoring problems are not supported)"
        )
    folder = path / "output_validators"
    entries = (
        sorted(e for e in folder.iterdir() if not e.name.startswith(".")) if folder.is_dir() else []
    )
    if not entries:
        raise ProblemPackageError(
            f"{file} says validation: {value} but {folder} has no validator; add "
            "output_validators/NAME/validator.py (or .cpp), or set validation: default"
        )
    if len(entries) > 1:
        names = ", ".join(e.name for e in entries)
        raise ProblemPackageError(f"{folder} holds several validators ({names}); keep one")
    return (Validation.INTERACTIVE if "interactive" in words else Validation.CUSTOM), entries[0]


def _validation_2023(path: Path, config: Mapping[str, Any]) -> tuple[Validation, Path | None]:
    file = path / "problem.yaml"
    value = config.get("type", "pass-fail")
    types = value.split() if isinstance(value, str) else value
    if not isinstance(types, list) or not set(types) <= {"pass-fail", "interactive"}:
        raise ProblemPackageError(
            f"{file}: `type` must be pass-fail or interactive, not {value!r} "
            "(scoring, multi-pass and submit-answer problems are not supported)"
        )
    folder = path / "output_validator"
    validator = folder if folder.is_dir() and any(folder.iterdir()) else None
    if "interactive" in types:
        if validator is None:
            raise ProblemPackageError(
                f"{file} says type: interactive but {folder} is missing or empty; "
                "add output_validator/validator.py (or .cpp)"
            )
        return Validation.INTERACTIVE, validator
    return (Validation.CUSTOM if validator else Validation.DEFAULT), validator


def _kattis_cases(path: Path) -> tuple[TestCase, ...]:
    found: list[tuple[str, Path, Path, bool]] = []
    for part in ("sample", "secret"):
        folder = path / "data" / part
        if folder.is_dir():
            _collect_group(folder, part, found, is_sample=part == "sample")
    if not found:
        raise ProblemPackageError(
            f"{path / 'data'}: no test cases; put NAME.in + NAME.ans pairs in "
            "data/sample/ and data/secret/"
        )
    return tuple(TestCase(i, name, inp, ans, sample) for i, (name, inp, ans, sample) in
                 enumerate(found, start=1))  # fmt: skip


def _collect_group(
    folder: Path, prefix: str, found: list[tuple[str, Path, Path, bool]], *, is_sample: bool
) -> None:
    """Append the folder's cases and its groups' cases, in name order (Kattis order)."""
    entries = sorted(
        (entry.name.removesuffix(".in"), entry)
        for entry in folder.iterdir()
        if not entry.name.startswith(".") and (entry.is_dir() or entry.name.endswith(".in"))
    )
    for key, entry in entries:
        if entry.is_dir():
            _collect_group(entry, f"{prefix}/{entry.name}", found, is_sample=is_sample)
            continue
        answer = entry.with_suffix(".ans")
        if not answer.is_file():
            raise ProblemPackageError(
                f"{entry}: has no answer file; add {answer.name} beside it (or remove the .in)"
            )
        found.append((f"{prefix}/{key}", entry, answer, is_sample))


def _load_plain_folder(path: Path) -> Problem:
    inputs = sorted((f for f in path.glob("*.in") if f.is_file()), key=_plain_order)
    if not inputs:
        raise ProblemPackageError(
            f"{path}: no test cases; a problem is a Kattis package (problem.yaml, data/sample, "
            "data/secret) or a folder of NAME.in + NAME.ans pairs"
        )
    cases = []
    for index, file in enumerate(inputs, start=1):
        answer = next(
            (a for a in (file.with_suffix(".ans"), file.with_suffix(".out")) if a.is_file()), None
        )
        if answer is None:
            raise ProblemPackageError(f"{file}: has no answer file; add {file.stem}.ans beside it")
        cases.append(TestCase(index, file.stem, file, answer, file.stem.startswith("sample")))
    return Problem(
        name=path.name,
        title=path.name,
        path=path,
        cases=tuple(cases),
        time_limit=_read_timelimit(path),
        format_version="plain",
    )


def _plain_order(file: Path) -> tuple[bool, list[tuple[int, int, str]]]:
    """Samples first, then natural order: digit runs compare as numbers, before letters."""
    parts = re.split(r"(\d+)", file.stem)
    key = [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p]
    return (not file.stem.startswith("sample"), key)


def _find_statement(path: Path) -> tuple[str | None, StatementFormat | None]:
    """The statement text, English first (`problem.en.*`, then `problem.*`, then any language)."""
    candidates: list[tuple[int, int, str, Path]] = []
    for folder in (path / "statement", path / "problem_statement"):
        if not folder.is_dir():
            continue
        for file in folder.glob("problem.*"):
            parts = file.name.split(".")  # problem.en.md -> ["problem", "en", "md"]
            suffix = "." + parts[-1]
            if suffix not in _STATEMENT_SUFFIXES or len(parts) > 3 or not file.is_file():
                continue
            language = parts[1] if len(parts) == 3 else ""
            rank = 0 if language == "en" else 1 if language == "" else 2
            kind = list(_STATEMENT_SUFFIXES).index(suffix)
            candidates.append((rank, kind, file.name, file))
    if not candidates:
        return None, None
    file = min(candidates)[3]
    text = file.read_text(encoding="utf-8", errors="replace")
    return text, _STATEMENT_SUFFIXES["." + file.name.rsplit(".", 1)[1]]


def _title(config: Mapping[str, Any], statement: str | None, path: Path) -> str:
    name = config.get("name")
    if isinstance(name, dict):
        name = name.get("en") or next(iter(name.values()), None)
    if name is not None and not isinstance(name, str):
        raise ProblemPackageError(f"{path / 'problem.yaml'}: `name` must be text, not {name!r}")
    if name:
        return name.strip()
    latex = re.search(r"\\problemname\{([^}]*)\}", statement or "")
    return latex.group(1).strip() if latex else path.name


def inline_problem(cases: Sequence[Mapping[str, str]], directory: Path) -> Problem:
    """Write inline cases (`[{"name", "input", "answer"}]`) into `directory` as a problem."""
    if isinstance(cases, str | bytes) or not isinstance(cases, Sequence) or not cases:
        raise UsageError(
            'cases must be a non-empty list like [{"input": "1 2\\n", "answer": "3\\n"}]'
        )
    checked: list[tuple[str, bytes, bytes]] = []
    for number, case in enumerate(cases):
        where = f"cases[{number}]"
        if not isinstance(case, Mapping):
            raise UsageError(
                f'{where} must be an object like {{"input": "1 2\\n", "answer": "3\\n"}}'
            )
        texts = [_inline_text(case, key, where) for key in ("input", "answer")]
        name = case.get("name", str(number + 1))
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"{where}.name must be a non-empty string, or left out")
        if any(name == other for other, _, _ in checked):
            raise UsageError(f"{where}.name {name!r} is used twice; give each case its own name")
        checked.append((name, texts[0], texts[1]))
    directory.mkdir(parents=True, exist_ok=True)
    made: list[TestCase] = []
    for index, (name, input_bytes, answer_bytes) in enumerate(checked, start=1):
        input_path, answer_path = directory / f"{index:04d}.in", directory / f"{index:04d}.ans"
        input_path.write_bytes(input_bytes)
        answer_path.write_bytes(answer_bytes)
        # The client wrote these cases, so they are shown back like samples (with a diff).
        made.append(TestCase(index, name, input_path, answer_path, is_sample=True))
    return Problem(
        name="inline", title="Inline cases", path=directory, cases=tuple(made),
        format_version="inline",
    )  # fmt: skip


def _inline_text(case: Mapping[str, object], key: str, where: str) -> bytes:
    value = case.get(key)
    if not isinstance(value, str):
        got = "missing" if key not in case else f"a {type(value).__name__}"
        raise UsageError(f"{where}.{key} must be a string (it is {got})")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{where}.{key} is not valid Unicode text (a lone surrogate?)") from None
