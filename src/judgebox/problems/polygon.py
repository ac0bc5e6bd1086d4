"""Codeforces Polygon packages (the "full" package, unpacked, tests present).

    PACKAGE/
    ├── problem.xml          names, judging/testset (time-limit ms, memory-limit bytes,
    │                        input/answer path patterns, tests with group and points,
    │                        groups with points-policy and dependencies), assets
    ├── tests/01, 01.a …     the tests (a test with method="generated" must be here too)
    ├── files/check.cpp      assets/checker: a testlib checker, compiled with files/*.h
    ├── files/interactor.cpp assets/interactor (interactive problems)
    └── solutions/*          assets/solutions with tags (main, accepted, wrong-answer …)

Scoring (when any test has points): a `complete-group` group is a pass-fail model
group worth its tests' points; an `each-test` test is a one-case `sum` group worth its
points, and a checker's points (testlib exit 7) are its score, fed to the same case
score hook as a Kattis score.txt. Group dependencies become `require_pass`. All of
them sit under `secret` (sum).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree

from judgebox.problems.model import (
    MIB,
    CheckerSource,
    Expectation,
    Problem,
    TestCase,
    TestGroup,
    Validation,
)
from judgebox.vocabulary.errors import ProblemPackageError
from judgebox.vocabulary.verdicts import Verdict

XML_LIMIT = 4 * MIB
_SOLUTION_TAGS: dict[str, frozenset[Verdict]] = {
    "main": frozenset({Verdict.AC}),
    "accepted": frozenset({Verdict.AC}),
    "wrong-answer": frozenset({Verdict.WA}),
    "presentation-error": frozenset({Verdict.WA}),
    "time-limit-exceeded": frozenset({Verdict.TLE}),
    "time-limit-exceeded-or-accepted": frozenset({Verdict.TLE, Verdict.AC}),
    "time-limit-exceeded-or-memory-limit-exceeded": frozenset({Verdict.TLE, Verdict.MLE}),
    "memory-limit-exceeded": frozenset({Verdict.MLE}),
    "runtime-error": frozenset({Verdict.RTE}),
    "rejected": frozenset({Verdict.WA, Verdict.TLE, Verdict.MLE, Verdict.RTE, Verdict.OLE}),
    "failed": frozenset({Verdict.IE}),
}


def is_polygon(path: Path) -> bool:
    """Whether the folder is an unpacked Polygon package."""
    return (path / "problem.xml").is_file()


def _parse(file: Path) -> ElementTree.Element:
    data = file.read_bytes()
    if len(data) > XML_LIMIT:
        raise ProblemPackageError(f"{file}: larger than {XML_LIMIT >> 20} MiB; not a problem.xml")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        # Entities are how XML bombs and external reads work: Polygon never writes them.
        raise ProblemPackageError(f"{file}: has a DOCTYPE or ENTITY declaration; remove it")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise ProblemPackageError(f"{file}: not valid XML ({error})") from None


def _inside(path: Path, relative: str, where: str) -> Path:
    """A package-relative path that must stay inside the package."""
    target = (path / relative).resolve()
    if not target.is_relative_to(path.resolve()):
        raise ProblemPackageError(
            f"{path / 'problem.xml'}: {where} {relative!r} leaves the package"
        )
    return target


def _source(path: Path, element: ElementTree.Element | None, where: str) -> CheckerSource | None:
    if element is None:
        return None
    source = element.find("source")
    if source is None or not source.get("path"):
        raise ProblemPackageError(f"{path / 'problem.xml'}: the {where} has no <source path=…>")
    main = _inside(path, source.get("path", ""), where)
    if not main.is_file():
        raise ProblemPackageError(
            f"{path / 'problem.xml'}: the {where} is {source.get('path')}, which is missing; "
            "download the full package (with files/)"
        )
    # testlib.h and the package's other headers: Polygon ships them beside the sources.
    headers = tuple(sorted(h for h in main.parent.glob("*.h") if h.is_file()))
    return CheckerSource(main, headers)


def load_polygon(path: Path) -> Problem:
    """Load an unpacked full Polygon package."""
    file = path / "problem.xml"
    root = _parse(file)
    names = root.find("names")
    title = path.name
    if names is not None:
        found = {n.get("language", ""): n.get("value", "") for n in names.findall("name")}
        title = found.get("english") or next(iter(found.values()), "") or title
    testset = root.find("judging/testset[@name='tests']")
    if testset is None:
        testset = root.find("judging/testset")
    if testset is None:
        raise ProblemPackageError(f"{file}: no <judging><testset>; is this a Polygon package?")
    time_ms = _int(testset, "time-limit", file)
    memory = _int(testset, "memory-limit", file)
    input_pattern = testset.findtext("input-path-pattern") or "tests/%02d"
    answer_pattern = testset.findtext("answer-path-pattern") or "tests/%02d.a"
    tests = testset.findall("tests/test")
    if not tests:
        raise ProblemPackageError(f"{file}: the testset has no tests")
    cases, missing = [], []
    points: list[float] = []
    group_of: list[str] = []
    for number, test in enumerate(tests, start=1):
        input_path = _inside(path, _pattern(input_pattern, number), "test")
        answer_path = _inside(path, _pattern(answer_pattern, number), "answer")
        if not input_path.is_file():
            how = f"generated by `{test.get('cmd')}`" if test.get("cmd") else "manual"
            missing.append(f"{_pattern(input_pattern, number)} ({how})")
            continue
        if not answer_path.is_file():
            missing.append(f"{_pattern(answer_pattern, number)} (the main solution's answer)")
            continue
        sample = test.get("sample") == "true"
        points.append(_float(test.get("points", "0"), file))
        group_of.append(test.get("group", ""))
        cases.append((number, input_path, answer_path, sample))
    if missing:
        shown = ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
        raise ProblemPackageError(
            f"{path}: {len(missing)} test file(s) are missing: {shown}. This is a standard "
            "package (tests as generator scripts): download the full package from Polygon "
            "(Package → Full), or run doall.sh of the package to generate tests/"
        )
    scoring = any(p > 0 for p in points)
    made: list[TestCase] = []
    for index, (number, input_path, answer_path, sample) in enumerate(cases, start=1):
        group = _case_group(sample, group_of[index - 1], number, scoring, testset)
        made.append(TestCase(index, f"{number:02d}", input_path, answer_path, sample, group=group))
    groups = _groups(made, points, testset, file) if scoring else ()
    assets = root.find("assets")
    checker = _source(path, assets.find("checker") if assets is not None else None, "checker")
    interactor = _source(
        path, assets.find("interactor") if assets is not None else None, "interactor"
    )
    validation = Validation.TESTLIB_INTERACTIVE if interactor else Validation.TESTLIB
    if checker is None and interactor is None:
        validation = Validation.DEFAULT
    return Problem(
        name=path.name,
        title=title,
        path=path,
        cases=tuple(made),
        time_limit=time_ms / 1000 if time_ms else None,
        memory_limit=memory or None,
        validation=validation,
        format_version="polygon",
        groups=groups,
        scoring=scoring,
        testlib_checker=checker,
        testlib_interactor=interactor,
        expectations=_solutions(path, assets, file),
    )


def _int(testset: ElementTree.Element, tag: str, file: Path) -> int | None:
    text = testset.findtext(tag)
    if text is None:
        return None
    if not text.strip().isdigit() or int(text) <= 0:
        raise ProblemPackageError(f"{file}: <{tag}> must be a positive integer, not {text!r}")
    return int(text)


def _float(text: str, file: Path) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ProblemPackageError(f"{file}: test points must be a non-negative number: {text!r}")
    return value


def _pattern(pattern: str, number: int) -> str:
    if not re.fullmatch(r"[^%]*%0?\d*d[^%]*", pattern):
        raise ProblemPackageError(f"path pattern {pattern!r} must hold one %d (like tests/%02d)")
    return pattern % number


def _policy(testset: ElementTree.Element, name: str) -> Literal["each-test", "complete-group"]:
    # Compared, not put in an XPath: a group name with a quote must not break the query.
    found = (g for g in testset.findall("groups/group") if g.get("name") == name)
    group = next(found, None) if name else None
    policy = group.get("points-policy", "complete-group") if group is not None else "each-test"
    return "each-test" if policy == "each-test" else "complete-group"


def _case_group(
    sample: bool, group: str, number: int, scoring: bool, testset: ElementTree.Element
) -> str:
    if sample and not group:
        return "sample"
    if not scoring:
        return "secret"
    base = f"secret/{group}" if group else "secret/tests"
    return f"{base}/{number:02d}" if _policy(testset, group) == "each-test" else base


def _groups(
    cases: list[TestCase], points: list[float], testset: ElementTree.Element, file: Path
) -> tuple[TestGroup, ...]:
    """complete-group: pass-fail worth its tests' points; each-test: one group per test."""
    made: dict[str, TestGroup] = {}
    parents: dict[str, list[str]] = {}
    for case, worth in zip(cases, points, strict=True):
        if case.group == "sample":
            continue
        previous = made.get(case.group)
        score = worth + (previous.max_score or 0.0 if previous else 0.0)
        members = (*previous.cases, case.index) if previous else (case.index,)
        # each-test: a one-case sum group, so a checker's points score it (case_score).
        each = case.group.count("/") == 2
        made[case.group] = TestGroup(case.group, members, "sum" if each else "pass-fail", score)
        parent = case.group.rsplit("/", 1)[0]
        if parent != "secret":
            parents.setdefault(parent, [])
            if case.group not in parents[parent]:
                parents[parent].append(case.group)
    requires: dict[str, tuple[str, ...]] = {}
    for group in testset.findall("groups/group"):
        deps = tuple(
            f"secret/{d.get('group')}"
            for d in group.findall("dependencies/dependency")
            if d.get("group")
        )
        requires[f"secret/{group.get('name')}"] = deps
    ordered: list[TestGroup] = []
    samples = tuple(c.index for c in cases if c.group == "sample")
    if samples:
        ordered.append(TestGroup("sample", samples, "pass-fail"))
    for parent, children in parents.items():
        ordered.extend(made[c] for c in children)
        members = tuple(sorted(i for c in children for i in made[c].cases))
        total = sum(made[c].max_score or 0.0 for c in children)
        made[parent] = TestGroup(parent, members, "sum", total, subgroups=tuple(children))
    tops = [name for name in made if name.count("/") == 1]
    for name in tops:
        top = made[name]
        deps = tuple(d for d in requires.get(name, ()) if d in made)
        ordered.append(TestGroup(top.name, top.cases, top.aggregation, top.max_score,
                                 require_pass=deps, subgroups=top.subgroups))  # fmt: skip
    secret = tuple(sorted(i for name in tops for i in made[name].cases))
    total = sum(made[name].max_score or 0.0 for name in tops)
    ordered.append(TestGroup("secret", secret, "sum", total, subgroups=tuple(tops)))
    return tuple(ordered)


def _solutions(
    path: Path, assets: ElementTree.Element | None, file: Path
) -> tuple[Expectation, ...]:
    found: list[Expectation] = []
    for solution in assets.findall("solutions/solution") if assets is not None else []:
        tag = solution.get("tag", "")
        source = solution.find("source")
        if source is None or tag not in _SOLUTION_TAGS:
            continue  # an unknown tag promises nothing judgebox can check
        target = _inside(path, source.get("path", ""), "solution")
        if target.is_file():
            found.append(Expectation(target, _SOLUTION_TAGS[tag], tag))
    return tuple(found)
