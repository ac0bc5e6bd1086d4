"""The Kattis / ICPC problem package loader, every format version a package may declare.

    PACKAGE/                        the folder's name is the problem's name
    ├── problem.yaml                problem_format_version, name, type, limits, …
    ├── .timelimit, domjudge-problem.ini    optional time limits written by other tools
    ├── statement/ (problem_statement/ in legacy)
    ├── data/
    │   ├── sample/NAME.in + NAME.ans (+ .args .files .interaction .hint .desc .yaml …)
    │   └── secret/NAME.in …, or groups: secret/GROUP/NAME.in …
    │       test_group.yaml (2025-09) or testdata.yaml (earlier) at any level: args,
    │       validator args, scoring (max_score, score_aggregation, require_pass; legacy
    │       grading / grader_flags / accept_score / range / on_reject)
    ├── output_validator/ (output_validators/NAME/ in legacy)   a program
    └── submissions/<kind>/…

Versions: no `problem_format_version` or `legacy`/`legacy-icpc` is legacy;
`2023-07-draft`, `2023-07`; `2025-09-draft`, `2025-09`, `draft`. Settings of
test data configuration files are inherited by subdirectories; scoring keys
belong to the group that declares them. Cases run in name order, samples first.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from judgebox.languages.table import Language, load_languages
from judgebox.problems.common import (
    domjudge_timelimit,
    flags,
    mapping,
    number,
    read_constants,
    read_timelimit,
    read_yaml,
    substitute,
    substitute_yaml,
)
from judgebox.problems.model import (
    MIB,
    Problem,
    ScoreAggregation,
    StatementFormat,
    TestCase,
    TestGroup,
    Validation,
)
from judgebox.problems.programs import resolve_program
from judgebox.vocabulary.checker_flags import CheckerFlags, parse_validator_flags
from judgebox.vocabulary.errors import ProblemPackageError

Version = Literal["legacy", "2023-07", "2025-09"]
VERSIONS: dict[str, Version] = {
    "legacy": "legacy", "legacy-icpc": "legacy",
    "2023-07-draft": "2023-07", "2023-07": "2023-07",
    "2025-09-draft": "2025-09", "2025-09": "2025-09", "draft": "2025-09",
}  # fmt: skip
TYPES = ("pass-fail", "scoring", "multi-pass", "interactive", "submit-answer")
# Pairs of problem types the spec says cannot be combined.
INCOMPATIBLE = (
    ("pass-fail", "scoring"),
    ("multi-pass", "submit-answer"),
    ("interactive", "submit-answer"),
)
_STATEMENT_SUFFIXES: dict[str, StatementFormat] = {
    ".md": "markdown", ".html": "html", ".tex": "latex", ".txt": "text",
}  # fmt: skip
# Defaults by version: the spec's "typical system default" columns (legacy's table says
# 2048 MiB too; problemtools applies 1024 to legacy, the spec text wins here), and each
# version's time multipliers (legacy: time_multiplier 5, time_safety_margin 2).
MEMORY_DEFAULT_MIB = {"legacy": 2048, "2023-07": 2048, "2025-09": 2048}
OUTPUT_DEFAULT_MIB = 8
MULTIPLIERS = {"legacy": (5.0, 2.0), "2023-07": (2.0, 1.5), "2025-09": (2.0, 1.5)}
_GROUP_KEYS = ("max_score", "score_aggregation", "require_pass")
# The legacy grading keys. Early 2023-07 drafts kept them in testdata.yaml, and
# problemtools (the reference checker) reads them in every version: a 2023-07 group whose
# settings use them and none of the keys above is graded the legacy way.
_LEGACY_GRADING_KEYS = ("grading", "grader_flags", "accept_score", "reject_score", "range",
                        "on_reject")  # fmt: skip


def load_kattis(path: Path) -> Problem:
    """Load a Kattis package folder (any version), or a ProblemPackageError naming file and rule."""
    yaml_file = path / "problem.yaml"
    config = read_yaml(yaml_file)
    version = format_version(yaml_file, config)
    types = problem_types(yaml_file, config, version)
    limits = mapping(config, "limits", yaml_file)
    if version == "legacy":
        ac_to_tl = number(limits, "time_multiplier", yaml_file)
        tl_to_tle = number(limits, "time_safety_margin", yaml_file)
    else:
        multipliers = mapping(limits, "time_multipliers", yaml_file)
        ac_to_tl = number(multipliers, "ac_to_time_limit", yaml_file, minimum=1, strict=False)
        tl_to_tle = number(multipliers, "time_limit_to_tle", yaml_file, minimum=1, strict=False)
    validation, validator = _validation(path, config, version, types)
    if validator is not None:  # a program nobody can build is the package's error, now
        resolve_program(validator, _languages())
    data_root = path / "data"
    root_file = next((data_root / n for n in ("test_group.yaml", "testdata.yaml")
                      if (data_root / n).is_file()), None)  # fmt: skip
    constants = read_constants(config, yaml_file)
    root_config = read_yaml(root_file) if root_file else {}
    if root_file is not None and root_file.name == "test_group.yaml":
        root_config = substitute_yaml(root_config, constants)
    root_args = _validator_args(root_config, root_file) if root_file else None
    problem_flags = root_args or flags(config, "validator_flags", yaml_file) or ()
    time_limit, source = _time_limit(path, limits, yaml_file)
    memory = number(limits, "memory", yaml_file) or MEMORY_DEFAULT_MIB[version]
    output = number(limits, "output", yaml_file) or OUTPUT_DEFAULT_MIB
    default_ac, default_tle = MULTIPLIERS[version]
    passes = number(limits, "validation_passes", yaml_file)
    if passes is not None and (passes < 2 or passes != int(passes)):
        raise ProblemPackageError(f"{yaml_file}: `validation_passes` must be an integer >= 2")
    scoring = "scoring" in types
    data = _Data(path, version, scoring, validation, problem_flags, constants)
    cases, groups = data.load()
    ignores_sample = bool(data.legacy_grading) and "ignore_sample" in (
        flags(root_config, "grader_flags", root_file or yaml_file) or ()
    )
    statement, statement_format = read_statement(path, None, constants)
    return Problem(
        name=path.name,
        title=_title(config, statement, path),
        path=path,
        cases=cases,
        time_limit=time_limit,
        memory_limit=int(memory * MIB),
        output_limit=int(output * MIB),
        validation=validation,
        validator_flags=problem_flags,
        output_validator=validator,
        statement=statement,
        statement_format=statement_format,
        time_multiplier=ac_to_tl or default_ac,
        time_safety_margin=tl_to_tle or default_tle,
        format_version=version,
        checker_flags=_checker_flags(validation, problem_flags, yaml_file),
        groups=groups,
        scoring=scoring,
        grading_ignores_sample=ignores_sample,
        multi_pass="multi-pass" in types,
        validation_passes=int(passes or 2),
        submit_answer="submit-answer" in types,
        time_resolution=number(limits, "time_resolution", yaml_file) or 1.0,
        time_limit_source=source,
        code_limit=_scaled(limits, "code", yaml_file, 1024),
        compilation_time=number(limits, "compilation_time", yaml_file),
        compilation_memory=_scaled(limits, "compilation_memory", yaml_file, MIB),
        validation_time=number(limits, "validation_time", yaml_file),
        validation_memory=_scaled(limits, "validation_memory", yaml_file, MIB),
        validation_output=_scaled(limits, "validation_output", yaml_file, MIB),
        constants=constants,
        include_dir=path / "include" if (path / "include").is_dir() else None,
    )


@functools.cache
def _languages() -> dict[str, Language]:
    """The bundled language table: which file endings make a program (read once)."""
    return load_languages()


def format_version(yaml_file: Path, config: Mapping[str, Any]) -> Version:
    """The version family a package declares (legacy when it declares none)."""
    value = config.get("problem_format_version", "legacy")
    version = VERSIONS.get(str(value))
    if version is None:
        known = ", ".join(VERSIONS)
        raise ProblemPackageError(
            f"{yaml_file}: unknown problem_format_version {value!r}; use one of {known} "
            "(or leave it out for legacy)"
        )
    return version


def problem_types(yaml_file: Path, config: Mapping[str, Any], version: Version) -> set[str]:
    """The problem's types (legacy: `type` plus the words of `validation`)."""
    value = config.get("type", "pass-fail")
    words = value.split() if isinstance(value, str) else value
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        raise ProblemPackageError(f"{yaml_file}: `type` must be a type or a list of types")
    allowed = ("pass-fail", "scoring") if version == "legacy" else TYPES
    unknown = [w for w in words if w not in allowed]
    if unknown:
        raise ProblemPackageError(
            f"{yaml_file}: unknown problem type {unknown[0]!r}; `type` takes " + ", ".join(allowed)
        )
    types = set(words)
    if version == "legacy":
        validation = str(config.get("validation", "default")).split()
        types |= {"interactive"} & set(validation)
        if "score" in validation:
            types.add("scoring")
    for a, b in INCOMPATIBLE:
        if a in types and b in types:
            raise ProblemPackageError(
                f"{yaml_file}: problem types {a} and {b} cannot be combined (the spec forbids it)"
            )
    if len(words) != len(set(words)):
        raise ProblemPackageError(f"{yaml_file}: `type` lists a type twice")
    return types


def _scaled(limits: Mapping[str, Any], key: str, file: Path, unit: int) -> int | None:
    value = number(limits, key, file)
    return None if value is None else int(value * unit)


def _time_limit(path: Path, limits: Mapping[str, Any], file: Path) -> tuple[float | None, str]:
    """The time limit a package states, and where; (None, "") when it must be inferred."""
    stated = number(limits, "time_limit", file)
    if stated is not None:
        return stated, "problem.yaml"
    for name, read in (
        (".timelimit", read_timelimit),
        ("domjudge-problem.ini", domjudge_timelimit),
    ):
        seconds = read(path)
        if seconds is not None:
            return seconds, name
    return None, ""


def _checker_flags(validation: Validation, args: tuple[str, ...], where: Path) -> CheckerFlags:
    if validation is not Validation.DEFAULT:
        return CheckerFlags()  # the flags go to the custom validator as arguments
    try:
        return parse_validator_flags(args)
    except ProblemPackageError as error:
        raise ProblemPackageError(f"{where}: {error.message}") from None


def _validation(
    path: Path, config: Mapping[str, Any], version: Version, types: set[str]
) -> tuple[Validation, Path | None]:
    """How output is judged, and the output validator program (a file or a folder)."""
    file = path / "problem.yaml"
    custom = "interactive" in types or "multi-pass" in types
    if version == "legacy":
        value = config.get("validation", "default")
        words = value.split() if isinstance(value, str) else None
        if (
            not words
            or words[0] not in ("default", "custom")
            or not set(words[1:]) <= {"interactive", "score"}
            or (words[0] == "default" and len(words) > 1)
        ):
            raise ProblemPackageError(
                f"{file}: `validation` must be default, or custom followed by optional "
                f"interactive and/or score, not {value!r}"
            )
        custom = custom or words[0] == "custom"
        folders = [path / "output_validators", path / "output_validator"]
    else:
        folders = [path / "output_validator", path / "output_validators"]
    validator = _find_validator(folders, file) if custom or version != "legacy" else None
    if custom and validator is None:
        if version == "legacy":
            raise ProblemPackageError(
                f"{file} says validation: {config.get('validation')} but {folders[0]} has no "
                "validator; add output_validators/NAME/validator.py (or .cpp), or set "
                "validation: default"
            )
        raise ProblemPackageError(
            f"{file} says type: {' '.join(sorted(types))} but {folders[0]} is missing or empty; "
            "add output_validator/validator.py (or .cpp, or any program as the spec says)"
        )
    if validator is None:
        return Validation.DEFAULT, None
    if "interactive" in types:
        return Validation.INTERACTIVE, validator
    return Validation.CUSTOM, validator


def _find_validator(folders: list[Path], yaml_file: Path) -> Path | None:
    """The output validator program: `output_validator/` itself (2023-07+; or the one
    folder it holds), or the one program inside `output_validators/` (legacy: a file or a
    folder)."""
    for folder in folders:
        if not folder.is_dir():
            continue
        entries = sorted(e for e in folder.iterdir() if not e.name.startswith((".", "-")))
        if not entries:
            continue
        if folder.name == "output_validator":
            if len(entries) == 1 and entries[0].is_dir():
                # A program folder inside output_validator/ (the 2023-07-draft layout that
                # problemtools reads, as in its `guess` example): that folder is the program.
                return entries[0]
            return folder
        if len(entries) > 1 and all(e.is_dir() for e in entries):
            names = ", ".join(e.name for e in entries)
            raise ProblemPackageError(f"{folder} holds several validators ({names}); keep one")
        # one program: a single file or folder; loose files together are one program
        return entries[0] if len(entries) == 1 else folder
    return None


class _Data:
    """Walks data/sample and data/secret: the cases in order, with inherited settings."""

    def __init__(
        self,
        path: Path,
        version: Version,
        scoring: bool,
        validation: Validation,
        problem_flags: tuple[str, ...],
        constants: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.constants = constants
        self.path = path
        self.version = version
        self.scoring = scoring
        self.validation = validation
        self.problem_flags = problem_flags
        self.cases: list[TestCase] = []
        self.groups: dict[str, TestGroup] = {}
        self.group_files: dict[str, Path] = {}
        self.legacy_grading: set[str] = set()  # groups graded the legacy way

    def load(self) -> tuple[tuple[TestCase, ...], tuple[TestGroup, ...]]:
        data = self.path / "data"
        root = self._config(data, {})
        for part in ("sample", "secret"):
            folder = data / part
            if folder.is_dir():
                self._walk(folder, part, root, top=True)
        if not self.cases:
            raise ProblemPackageError(
                f"{data}: no test cases; put NAME.in + NAME.ans pairs in data/sample/ and "
                "data/secret/"
            )
        groups = tuple(self.groups.values()) if self.scoring else ()
        if self.scoring:
            self._check_groups()
        return tuple(self.cases), groups

    def _config_file(self, folder: Path) -> Path | None:
        names = ("test_group.yaml", "testdata.yaml")
        if self.version == "legacy":
            names = ("testdata.yaml", "test_group.yaml")
        return next((folder / n for n in names if (folder / n).is_file()), None)

    def _config(self, folder: Path, inherited: Mapping[str, Any]) -> dict[str, Any]:
        """The folder's configuration: its own file over what it inherits (scoring keys not)."""
        file = self._config_file(folder)
        own = read_yaml(file) if file is not None else {}
        if file is not None and file.name == "test_group.yaml":  # the spec substitutes here
            own = substitute_yaml(own, self.constants)
        merged = {k: v for k, v in inherited.items() if k not in _GROUP_KEYS}
        merged.update(own)
        if file is not None:
            merged["__file__"] = file
        else:
            merged.pop("__file__", None)
        return merged

    def _is_group(self, name: str, top: bool) -> bool:
        """Whether a folder is a test group: legacy, every folder; later, sample, secret and
        the direct subfolders of secret."""
        if self.version == "legacy":
            return True
        return top or (name.count("/") == 1 and name.startswith("secret/"))

    def _walk(self, folder: Path, name: str, inherited: Mapping[str, Any], *, top: bool) -> None:
        config = (
            self._config(folder, inherited) if top or self._config_file(folder) else dict(inherited)
        )
        is_group = self._is_group(name, top)
        group = name if is_group else str(inherited.get("__group__", name))
        config["__group__"] = group
        first_case = len(self.cases) + 1
        # One listing per folder: a case's optional files are looked up in it, not stat'ed
        # one by one (a 1,000-case package would cost ten thousand stat calls).
        files: set[str] = set()
        folders: set[str] = set()
        with os.scandir(folder) as scan:
            for item in scan:
                if item.is_dir():
                    folders.add(item.name)
                elif item.is_file():
                    files.add(item.name)
        entries = sorted(
            (entry_name.removesuffix(".in"), folder / entry_name)
            for entry_name in files | folders
            if not entry_name.startswith((".", "-"))
            and (
                (entry_name in folders and not entry_name.endswith(".files"))
                or (entry_name in files and entry_name.endswith(".in"))
            )
        )
        if not is_group and self._config_file(folder) and self.version != "legacy":
            raise ProblemPackageError(
                f"{self._config_file(folder)}: test groups are the folders right under "
                "data/secret; a folder inside a group cannot have its own test group file"
            )
        subgroups: list[str] = []
        for key, entry in entries:
            child = f"{name}/{key}"
            if entry.name in folders:
                if self._is_group(child, False):
                    subgroups.append(child)
                self._walk(entry, child, config, top=False)
                continue
            is_sample = name == "sample" or name.startswith("sample/")
            self.cases.append(self._case(entry, child, config, group, is_sample, files, folders))
        if is_group:
            self._add_group(name, config, range(first_case, len(self.cases) + 1), subgroups)

    def _case(
        self,
        entry: Path,
        name: str,
        config: Mapping[str, Any],
        group: str,
        is_sample: bool,
        files: set[str],
        folders: set[str],
    ) -> TestCase:
        def has(path: Path) -> bool:
            return path.name in files

        answer = entry.with_suffix(".ans")
        if not has(answer):
            raise ProblemPackageError(
                f"{entry}: has no answer file; add {answer.name} beside it (or remove the .in)"
            )
        where = Path(str(config.get("__file__", entry)))
        args = flags(config, "args", where)
        validator_args = _validator_args(config, where)
        case_yaml = entry.with_suffix(".yaml")
        own = read_yaml(case_yaml) if has(case_yaml) else {}
        args = flags(own, "args", case_yaml) or args
        validator_args = _validator_args(own, case_yaml) or validator_args
        args_file = entry.with_suffix(".args")
        if has(args_file):
            args = tuple(args_file.read_text(encoding="utf-8", errors="replace").split())
        hint_file, desc_file = entry.with_suffix(".hint"), entry.with_suffix(".desc")
        hint = own.get("hint") or (_text(hint_file) if has(hint_file) else None)
        description = own.get("description") or (_text(desc_file) if has(desc_file) else None)
        interaction = entry.with_suffix(".interaction")
        files_dir = entry.with_suffix(".files")
        shown_in = entry.with_name(entry.name + ".statement")
        shown_ans = next((f for f in (answer.with_name(answer.name + ".statement"),
                                      entry.with_suffix(".out")) if has(f)), None)  # fmt: skip
        if has(interaction) and (has(shown_in) or shown_ans is not None):
            raise ProblemPackageError(
                f"{interaction}: a case with an .interaction file must not also have "
                ".in.statement, .ans.statement or .out"
            )
        input_args = _input_validator_args(own, case_yaml) or _input_validator_args(config, where)
        checker = None
        if validator_args is not None and self.validation is Validation.DEFAULT:
            checker = _checker_flags(self.validation, validator_args, where)
        return TestCase(
            index=len(self.cases) + 1,
            name=name,
            input_path=entry,
            answer_path=answer,
            is_sample=is_sample,
            group=group,
            args=args or (),
            validator_args=validator_args,
            files_dir=files_dir if files_dir.name in folders else None,
            interaction=interaction if has(interaction) else None,
            statement_input=shown_in if has(shown_in) else None,
            statement_answer=shown_ans,
            hint=str(hint) if hint else None,
            description=str(description) if description else None,
            checker_flags=checker,
            input_validator_args=input_args or (),
        )

    def _add_group(
        self, name: str, config: Mapping[str, Any], indices: range, subgroups: list[str]
    ) -> None:
        where = Path(str(config.get("__file__", self.path / "data" / name)))
        self.group_files[name] = where
        if self.version == "legacy" or (
            self.version == "2023-07"
            and any(k in config for k in _LEGACY_GRADING_KEYS)
            and not any(k in config for k in _GROUP_KEYS)
        ):
            self.groups[name] = self._legacy_group(name, config, indices, subgroups, where)
            self.legacy_grading.add(name)
            return
        is_secret, is_sample = name == "secret", name == "sample"
        if is_sample and any(k in config for k in _GROUP_KEYS):
            raise ProblemPackageError(
                f"{where}: max_score, score_aggregation and require_pass are not allowed in sample"
            )
        aggregation = config.get("score_aggregation", "sum" if is_secret else "pass-fail")
        if aggregation not in ("pass-fail", "sum", "min"):
            raise ProblemPackageError(
                f"{where}: `score_aggregation` must be pass-fail, sum or min, not {aggregation!r}"
            )
        raw = config.get("max_score", 100 if is_secret else "unbounded")
        if raw == "unbounded" or is_sample:
            max_score = None
        elif isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
            max_score = float(raw)
        else:
            raise ProblemPackageError(
                f"{where}: `max_score` must be a non-negative integer or unbounded, not {raw!r}"
            )
        require = config.get("require_pass", [])
        require = [require] if isinstance(require, str) else require
        if not isinstance(require, list) or not all(isinstance(r, str) for r in require):
            raise ProblemPackageError(f"{where}: `require_pass` must be a group name or a list")
        self.groups[name] = TestGroup(
            name=name,
            cases=tuple(indices),
            aggregation=aggregation,
            max_score=max_score,
            require_pass=tuple(require),
            subgroups=tuple(subgroups),
            args=flags(config, "args", where) or (),
            validator_args=_validator_args(config, where) or (),
        )

    def _legacy_group(
        self, name: str, config: Mapping[str, Any], indices: range, subgroups: list[str],
        where: Path,
    ) -> TestGroup:  # fmt: skip
        """Legacy `grading`: every folder a group; sum of case scores (accept_score each)."""
        grader = flags(config, "grader_flags", where) or ()
        aggregation: ScoreAggregation = "sum"
        rule = "worst_error"
        for word in grader:
            if word == "min":
                aggregation = "min"
            elif word in ("worst_error", "no_errors", "first_error", "always_accept"):
                rule = "worst_error" if word == "no_errors" else word
            elif word in ("avg", "max"):
                raise ProblemPackageError(
                    f"{where}: grader_flags {word} is not supported (only sum and min are)"
                )
        accept = number(config, "accept_score", where, strict=False)
        bounds = str(config.get("range", "")).split()
        max_score = None
        if len(bounds) == 2:
            try:
                high = float(bounds[1])
            except ValueError:
                raise ProblemPackageError(f"{where}: `range` must be two numbers") from None
            max_score = high if math.isfinite(high) else None
        return TestGroup(
            name=name,
            cases=tuple(indices),
            aggregation=aggregation,
            max_score=None if name == "sample" else max_score,
            subgroups=tuple(subgroups),
            args=flags(config, "args", where) or (),
            validator_args=_validator_args(config, where) or (),
            accept_score=1.0 if accept is None else accept,
            stop_on_reject=config.get("on_reject", "break") == "break",
            verdict_rule=rule,
            accept_if_any="accept_if_any_accepted" in grader,
        )

    def _check_groups(self) -> None:
        """Load-time rules: max_score bounds add up, require_pass names earlier groups."""
        for name, group in self.groups.items():
            where = self.group_files[name]
            children = [self.groups[c] for c in group.subgroups]
            if group.max_score is not None and name not in self.legacy_grading:
                unbounded = [c.name for c in children if c.max_score is None]
                if unbounded:
                    raise ProblemPackageError(
                        f"{self.group_files[unbounded[0]]}: group {unbounded[0]} needs a "
                        f"max_score because {name} has max_score {group.max_score:g}"
                    )
                total = sum(c.max_score or 0.0 for c in children)
                if group.aggregation == "sum" and total > group.max_score:
                    files = ", ".join(str(self.group_files[c.name]) for c in children)
                    raise ProblemPackageError(
                        f"{files}: the max_score of {name}'s groups add up to {total:g}, over "
                        f"its max_score {group.max_score:g} (set in {where})"
                    )
                if group.aggregation == "min" and any(
                    (c.max_score or 0) > group.max_score for c in children
                ):
                    raise ProblemPackageError(f"{where}: a group's max_score is over {name}'s")
            if group.aggregation == "pass-fail" and any(c.aggregation != "pass-fail"
                                                        for c in children):  # fmt: skip
                raise ProblemPackageError(
                    f"{where}: {name} has pass-fail aggregation, so must all its groups"
                )
            for required in group.require_pass:
                if required not in self.groups:
                    raise ProblemPackageError(
                        f"{where}: require_pass names {required!r}, which is no test group"
                    )
                if not required < name or name.startswith(required + "/"):
                    raise ProblemPackageError(
                        f"{where}: require_pass {required!r} must come before {name} "
                        "(lexicographically earlier, not a parent)"
                    )


def _validator_args(config: Mapping[str, Any], where: Path) -> tuple[str, ...] | None:
    for key in ("output_validator_args", "output_validator_flags"):
        value = flags(config, key, where)
        if value is not None:
            return value
    return None


def _input_validator_args(
    config: Mapping[str, Any], where: Path
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """`input_validator_args` (a list, or a map of validator name to list; legacy
    `input_validator_flags`): ("", args) for all validators or (name, args) pairs."""
    for key in ("input_validator_args", "input_validator_flags"):
        value = config.get(key)
        if value is None:
            continue
        if isinstance(value, dict):
            pairs: list[tuple[str, tuple[str, ...]]] = []
            for name, args in value.items():
                parsed = flags({"a": args}, "a", where)
                pairs.append((str(name), parsed or ()))
            return tuple(pairs)
        return (("", flags(config, key, where) or ()),)
    return None


def _text(file: Path) -> str | None:
    if not file.is_file():
        return None
    return file.read_text(encoding="utf-8", errors="replace").strip() or None


def statement_files(path: Path) -> dict[str, Path]:
    """Each language's statement file (`problem.LANG.ext`), Markdown before HTML, LaTeX, text.

    A file without a language (`problem.tex`, legacy) counts as English unless an English
    one exists; the dict is in order of preference: English first, then by language code.
    """
    candidates: list[tuple[str, int, str, Path]] = []
    for folder in (path / "statement", path / "problem_statement"):
        if not folder.is_dir():
            continue
        for file in folder.glob("problem.*"):
            parts = file.name.split(".")  # problem.en.md -> ["problem", "en", "md"]
            suffix = "." + parts[-1]
            if suffix not in _STATEMENT_SUFFIXES or len(parts) > 3 or not file.is_file():
                continue
            language = parts[1] if len(parts) == 3 else ""
            kind = list(_STATEMENT_SUFFIXES).index(suffix)
            candidates.append((language, kind, file.name, file))
    found: dict[str, Path] = {}
    for language, _kind, _name, file in sorted(candidates):
        found.setdefault(language, file)
    if "" in found:
        unnamed = found.pop("")
        found.setdefault("en", unnamed)
    return dict(sorted(found.items(), key=lambda item: (item[0] != "en", item[0])))


def read_statement(
    path: Path, language: str | None, constants: tuple[tuple[str, str], ...] = ()
) -> tuple[str | None, StatementFormat | None]:
    """The statement in `language` (None: English or the first there is) and its format."""
    files = statement_files(path)
    file = files.get(language) if language is not None else next(iter(files.values()), None)
    if file is None:
        return None, None
    text = file.read_text(encoding="utf-8", errors="replace")
    statement_format = _STATEMENT_SUFFIXES["." + file.name.rsplit(".", 1)[1]]
    if statement_format == "markdown":
        text = substitute(text, constants)
    return text, statement_format


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
