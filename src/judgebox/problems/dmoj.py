"""DMOJ problem folders: `init.yml` with test cases, batches with points, and a checker.

    PROBLEM/
    ├── init.yml           test_cases, pretest_test_cases, checker, archive
    ├── *.in, *.out        the cases (or inside `archive: data.zip`)
    ├── checker.py         a custom checker, `check(process_output, judge_output, **kwargs)`
    └── submissions/       judgebox's own: <verdict>/ folders as in Kattis packages
                           (accepted/, wrong_answer/, …), what `judgebox verify` checks

Model (problems/model.py), all under `secret` (sum of points):

    pretest_test_cases     first, unscored, named pretest/N
    {in, out, points}      a one-case `sum` group secret/caseK worth its points (a checker's
                           partial points score it)
    {batched, points}      a pass-fail group secret/batchN: all its cases or nothing;
                           `dependencies: [n]` (batch numbers) become require_pass
    points: 0              a case or batch whose failure skips every later one (DMOJ's rule)

Checkers: standard and floats* are the default checker's flags (line breaks are not
significant to them here, unlike DMOJ), identical, rstripped, sorted, unordered, easy,
linecount are judging/named_checkers.py; a `NAME.py` checker runs in the sandbox
(judging/dmoj_checker_main.py); `bridged` with type testlib (or default) is a testlib
checker. Time and memory limits live in DMOJ's database, not here: the judge's defaults
apply unless init.yml has judgebox's own `time_limit` (seconds) / `memory_limit` (KiB).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judgebox.problems.archives import extract_archive
from judgebox.problems.common import read_yaml
from judgebox.problems.model import (
    CheckerSource,
    NamedChecker,
    Problem,
    TestCase,
    TestGroup,
    Validation,
)
from judgebox.vocabulary.checker_flags import CheckerFlags
from judgebox.vocabulary.errors import ProblemPackageError

_REFUSED = {
    "generator": "test generators",
    "grader": "graders",
    "custom_judge": "custom judges",
    "interactive": "interactive problems",
    "signature_grader": "signature graders",
    "file_io": "file input/output",
}
_NAMED = ("identical", "rstripped", "sorted", "unordered", "easy", "linecount")
_FLOAT_MODES = {"floats": "default", "floatsabs": "absolute", "floatsrel": "relative"}


@dataclass
class _Reader:
    """Reading one init.yml: where case files are, and the model being built."""

    path: Path
    file: Path
    data: Path  # the problem folder, or the extracted archive
    cases: list[TestCase] = field(default_factory=list)
    groups: list[TestGroup] = field(default_factory=list)
    gates: list[str] = field(default_factory=list)  # points-0 groups: all later ones need them
    batches: int = 0

    def case_file(self, entry: Mapping[str, Any], key: str, where: str) -> Path:
        name = entry.get(key)
        if not isinstance(name, str) or not name:
            raise ProblemPackageError(f"{self.file}: {where} needs `{key}: FILE`")
        target = (self.data / name).resolve()
        if not target.is_relative_to(self.data.resolve()):
            raise ProblemPackageError(f"{self.file}: {where}: {name!r} leaves the problem")
        if not target.is_file():
            inside = " in the archive" if self.data != self.path else ""
            raise ProblemPackageError(f"{self.file}: {where}: {name}{inside} is missing")
        return target

    def add_case(self, entry: Mapping[str, Any], name: str, group: str, where: str) -> int:
        if not isinstance(entry, Mapping):
            raise ProblemPackageError(f"{self.file}: {where} must be a mapping {{in:, out:}}")
        if "generator_args" in entry:
            raise ProblemPackageError(f"{self.file}: {where}: generated cases are not supported")
        index = len(self.cases) + 1
        self.cases.append(
            TestCase(
                index,
                name,
                self.case_file(entry, "in", where),
                self.case_file(entry, "out", where),
                is_sample=False,
                group=group,
            )
        )
        return index

    def add_group(self, group: TestGroup, points: float, gate: bool) -> None:
        requires = tuple(dict.fromkeys((*self.gates, *group.require_pass)))
        worth = points if points > 0 else None
        self.groups.append(
            TestGroup(group.name, group.cases, group.aggregation, worth, require_pass=requires)
        )
        if gate:
            self.gates.append(group.name)


def _points(entry: Mapping[str, Any], file: Path, where: str) -> float:
    value = entry.get("points", 1 if "batched" in entry else 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ProblemPackageError(f"{file}: {where}: points must be a number >= 0, not {value!r}")
    return float(value)


def _entries(config: Mapping[str, Any], key: str, file: Path) -> Sequence[Any]:
    value = config.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProblemPackageError(
            f"{file}: `{key}` must be a list of cases ({{in:, out:, points:}} or "
            "{points:, batched: [...]}); cases found by regexes are not supported"
        )
    return value


def load_dmoj(path: Path, cache_dir: Path | None) -> Problem:
    """Load a DMOJ problem folder (init.yml); an `archive:` is extracted under `cache_dir`.

    Without a cache folder a problem whose cases are in an archive is refused.
    """
    file = path / "init.yml"
    config = read_yaml(file)
    for key, what in _REFUSED.items():
        if config.get(key):
            raise ProblemPackageError(f"{file}: `{key}:` — {what} are not supported by judgebox")
    data = _data_folder(path, config.get("archive"), file, cache_dir)
    reader = _Reader(path, file, data)
    tests = _entries(config, "test_cases", file)
    if not tests:
        raise ProblemPackageError(
            f"{file}: no test_cases; list them, e.g. test_cases: [{{in: 1.in, out: 1.out, "
            "points: 10}]"
        )
    _read_pretests(reader, _entries(config, "pretest_test_cases", file), file)
    _read_tests(reader, tests, file)
    cases, groups, scoring = _dataset(reader)
    validation, flags, named, checker = _checker(path, config.get("checker"), file)
    return Problem(
        name=path.name,
        title=str(config.get("name") or path.name),
        path=path,
        cases=cases,
        time_limit=_limit(config, "time_limit", file),
        memory_limit=int(m * 1024) if (m := _limit(config, "memory_limit", file)) else None,
        validation=validation,
        format_version="dmoj",
        checker_flags=flags,
        groups=groups,
        scoring=scoring,
        time_limit_source="init.yml" if config.get("time_limit") else "default",
        testlib_checker=checker,
        named_checker=named,
        data_root=data if data != path else None,
    )


def _read_pretests(reader: _Reader, pretests: Sequence[Any], file: Path) -> None:
    """`pretest_test_cases`: one gate group judged first, worth no points."""
    if not pretests:
        return
    members = []
    for number, entry in enumerate(pretests, start=1):
        if isinstance(entry, Mapping) and "batched" in entry:
            for sub, case in enumerate(_batched(entry, file, f"pretest {number}"), start=1):
                name = f"pretest/{number}.{sub}"
                members.append(reader.add_case(case, name, "secret/pretests", name))
        else:
            name = f"pretest/{number}"
            members.append(reader.add_case(entry, name, "secret/pretests", name))
    reader.add_group(TestGroup("secret/pretests", tuple(members)), 0.0, gate=True)


def _read_tests(reader: _Reader, tests: Sequence[Any], file: Path) -> None:
    """`test_cases`: a group per case or per batch, with its points and dependencies."""
    for number, entry in enumerate(tests, start=1):
        where = f"test_cases[{number - 1}]"
        if not isinstance(entry, Mapping):
            raise ProblemPackageError(f"{file}: {where} must be a mapping")
        points = _points(entry, file, where)
        if "batched" in entry:
            reader.batches += 1
            batch = reader.batches
            name = f"secret/batch{batch}"
            members = [
                reader.add_case(case, f"batch{batch}/{sub}", name, f"{where}.batched[{sub - 1}]")
                for sub, case in enumerate(_batched(entry, file, where), start=1)
            ]
            requires = _dependencies(entry, batch, file, where)
            group = TestGroup(name, tuple(members), "pass-fail", require_pass=requires)
        else:
            name = f"secret/case{number}"
            index = reader.add_case(entry, str(number), name, where)
            group = TestGroup(name, (index,), "sum" if points > 0 else "pass-fail")
        reader.add_group(group, points, gate=points == 0)


def _dataset(reader: _Reader) -> tuple[tuple[TestCase, ...], tuple[TestGroup, ...], bool]:
    """The cases, the groups and whether the problem is scored (any points at all)."""
    total = sum(g.max_score or 0.0 for g in reader.groups)
    if total <= 0:  # pass-fail: the cases alone, no groups
        plain = tuple(
            TestCase(c.index, c.name, c.input_path, c.answer_path, False) for c in reader.cases
        )
        return plain, (), False
    tops = tuple(g.name for g in reader.groups)
    every = tuple(c.index for c in reader.cases)
    groups = (*reader.groups, TestGroup("secret", every, "sum", total, subgroups=tops))
    return tuple(reader.cases), groups, True


def _data_folder(path: Path, archive: Any, file: Path, cache_dir: Path | None) -> Path:
    """Where the case files are: the problem folder, or its `archive:` extracted."""
    if archive is None:
        return path
    if not isinstance(archive, str) or not archive:
        raise ProblemPackageError(f"{file}: `archive` must name a zip file of the folder")
    zip_file = (path / archive).resolve()
    if not zip_file.is_relative_to(path.resolve()):
        raise ProblemPackageError(f"{file}: archive {archive!r} leaves the problem")
    if cache_dir is None:
        raise ProblemPackageError(
            f"{file}: `archive: {archive}` needs a cache folder to be extracted into, and "
            "this loader was given none"
        )
    return extract_archive(zip_file, cache_dir / "archives")


def _limit(config: Mapping[str, Any], key: str, file: Path) -> float | None:
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ProblemPackageError(f"{file}: `{key}` must be a positive number, not {value!r}")
    return float(value)


def _batched(entry: Mapping[str, Any], file: Path, where: str) -> Sequence[Any]:
    cases = entry.get("batched")
    if not isinstance(cases, list) or not cases:
        raise ProblemPackageError(f"{file}: {where}: `batched` must be a non-empty list of cases")
    return cases


def _dependencies(entry: Mapping[str, Any], batch: int, file: Path, where: str) -> tuple[str, ...]:
    deps = entry.get("dependencies") or []
    if not isinstance(deps, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d < batch for d in deps
    ):
        raise ProblemPackageError(
            f"{file}: {where}: dependencies must list earlier batch numbers (1-based), not {deps!r}"
        )
    return tuple(f"secret/batch{d}" for d in deps)


def _checker(
    path: Path, value: Any, file: Path
) -> tuple[Validation, CheckerFlags, NamedChecker | None, CheckerSource | None]:
    """init.yml's `checker:` (a name, or {name:, args:}) in the model's terms."""
    name: Any = value
    args: Any = {}
    if isinstance(value, Mapping):
        name, args = value.get("name"), value.get("args") or {}
    if name is None:
        name = "standard"
    if not isinstance(name, str) or not isinstance(args, Mapping):
        raise ProblemPackageError(
            f"{file}: `checker` must be a name (standard, floats, …, checker.py) or "
            "{name: NAME, args: {...}}"
        )
    exact = CheckerFlags(case_sensitive=True)
    if name == "standard":
        return Validation.DEFAULT, exact, None, None
    if name in _FLOAT_MODES:
        precision = args.get("precision", 6)
        mode = args.get("error_mode", _FLOAT_MODES[name])
        if isinstance(precision, bool) or not isinstance(precision, int) or precision < 0:
            raise ProblemPackageError(f"{file}: checker precision must be an integer >= 0")
        if mode not in ("default", "absolute", "relative"):
            raise ProblemPackageError(
                f"{file}: checker error_mode must be default, absolute or relative, not {mode!r}"
            )
        epsilon = 10.0**-precision
        flags = CheckerFlags(
            case_sensitive=True,
            float_absolute_tolerance=epsilon if mode != "relative" else None,
            float_relative_tolerance=epsilon if mode != "absolute" else None,
        )
        return Validation.DEFAULT, flags, None, None
    if name in _NAMED:
        split_on = args.get("split_on", "lines")
        if split_on not in ("lines", "whitespace"):
            raise ProblemPackageError(f"{file}: split_on must be lines or whitespace")
        named = NamedChecker(
            name,
            pe_allowed=bool(args.get("pe_allowed", True)),
            feedback=bool(args.get("feedback", True)),
            split_on=split_on,
        )
        return Validation.DEFAULT, exact, named, None
    if name.endswith(".py"):
        main = _inside(path, name, file)
        try:
            encoded = json.dumps(dict(args))
        except (TypeError, ValueError):
            raise ProblemPackageError(f"{file}: checker args must be plain YAML values") from None
        source = CheckerSource(main, (), protocol="dmoj-python", args_json=encoded)
        return Validation.TESTLIB, CheckerFlags(), None, source
    if name == "bridged":
        kind = args.get("type", "default")
        if kind not in ("default", "testlib"):
            raise ProblemPackageError(
                f"{file}: bridged checkers of type {kind!r} are not supported; use testlib"
            )
        files = args.get("files")
        names = [files] if isinstance(files, str) else files
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ProblemPackageError(f"{file}: a bridged checker needs `files: check.cpp`")
        sources = [_inside(path, n, file) for n in names]
        headers = tuple(p for p in sources[1:] if p.suffix in (".h", ".hpp"))
        return Validation.TESTLIB, CheckerFlags(), None, CheckerSource(sources[0], headers)
    raise ProblemPackageError(
        f"{file}: unknown checker {name!r}; judgebox reads standard, floats, floatsabs, "
        f"floatsrel, {', '.join(_NAMED)}, a NAME.py checker and bridged (testlib)"
    )


def _inside(path: Path, name: str, file: Path) -> Path:
    target = (path / name).resolve()
    if not target.is_relative_to(path.resolve()):
        raise ProblemPackageError(f"{file}: checker {name!r} leaves the problem")
    if not target.is_file():
        raise ProblemPackageError(f"{file}: the checker {name} is missing")
    return target
