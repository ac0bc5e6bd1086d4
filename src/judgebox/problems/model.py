"""The problem model every loader fills in: cases, test groups, scoring, limits, validation.

Formats (Kattis in all its versions, plain folders, inline cases, Polygon, DMOJ)
differ only in their loader; the judge reads nothing but these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import ClassVar, Literal

from judgebox.vocabulary.checker_flags import CheckerFlags
from judgebox.vocabulary.verdicts import Verdict

StatementFormat = Literal["markdown", "html", "latex", "text"]
ScoreAggregation = Literal["pass-fail", "sum", "min"]
MIB = 1024 * 1024


class Validation(Enum):
    """How a case's output is judged."""

    DEFAULT = "default"  # the default token checker (checkers.py) with validator_flags
    CUSTOM = "custom"  # the package's output validator (exit 42 / 43)
    INTERACTIVE = "interactive"  # the validator talks with the program through pipes
    TESTLIB = "testlib"  # a testlib checker: checker input output answer (judging/testlib.py)
    TESTLIB_INTERACTIVE = "testlib-interactive"  # a testlib interactor (+ checker on its tout)


@dataclass(frozen=True, slots=True)
class CheckerSource:
    """A testlib checker's or interactor's main source and the headers compiled with it
    (testlib.h): only `main` is compiled, whatever else its folder holds."""

    main: Path
    headers: tuple[Path, ...] = ()
    # "testlib": main speaks testlib itself. "dmoj-python": main is a DMOJ checker.py
    # (`check(process_output, judge_output, **kwargs)`), run in the box by a wrapper that
    # answers in testlib's codes; `args_json` holds init.yml's checker args.
    protocol: Literal["testlib", "dmoj-python"] = "testlib"
    args_json: str = "{}"


@dataclass(frozen=True, slots=True)
class NamedChecker:
    """One of DMOJ's built-in checkers that is not a token comparison (judging/named_checkers):
    identical, linecount, sorted, unordered, easy, rstripped; with their arguments."""

    name: str
    pe_allowed: bool = True  # identical
    feedback: bool = True  # linecount
    split_on: Literal["lines", "whitespace"] = "lines"  # sorted


@dataclass(frozen=True, slots=True)
class Expectation:
    """A solution of the package and the overall verdicts that fulfil its tag."""

    path: Path
    verdicts: frozenset[Verdict]
    tag: str


@dataclass(frozen=True, slots=True)
class TestCase:
    """One case: its 1-based position, its name (`sample/1`, `secret/group1/03`) and files.

    `group` is the name of the test group whose score the case counts towards
    (`secret/group1`, `secret` or `sample`; "" outside groups). `validator_args`
    replaces the problem's `validator_flags` for this case when not None.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    index: int
    name: str
    input_path: Path
    answer_path: Path
    is_sample: bool
    group: str = ""
    args: tuple[str, ...] = ()  # command-line arguments of the submission
    validator_args: tuple[str, ...] | None = None
    files_dir: Path | None = None  # `NAME.files/`: the working directory holds its files
    interaction: Path | None = None  # `NAME.interaction`: what a statement shows instead
    # What a statement shows (spec "Displayed test cases"): .in.statement > .in;
    # .ans.statement > .out > .ans. None: the judged file.
    statement_input: Path | None = None
    statement_answer: Path | None = None
    hint: str | None = None
    description: str | None = None
    checker_flags: CheckerFlags | None = None  # default validation with the case's own args
    # `input_validator_args`: ("", args) for every input validator, or (name, args) pairs
    # for the validators named (spec: a map of validator name to arguments).
    input_validator_args: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # A custom-input case (no answer given): `answer_path` is an empty file, filled with
    # the reference solution's output when there is one (judging/custom.py).
    custom: bool = False


@dataclass(frozen=True, slots=True)
class TestGroup:
    """A scoring unit: `sample`, `secret` or `secret/<group>` and the cases it holds.

    `cases` are the 1-based indices of every case under the group (its subgroups'
    included); `subgroups` the names of its direct child groups. `max_score` None is
    unbounded. A group whose `require_pass` groups did not all pass is not run:
    score 0, its cases SKIPPED.
    """

    __test__: ClassVar[bool] = False

    name: str
    cases: tuple[int, ...]
    aggregation: ScoreAggregation = "pass-fail"
    max_score: float | None = None
    require_pass: tuple[str, ...] = ()
    subgroups: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    validator_args: tuple[str, ...] = ()
    # legacy `grading`: a case's score when accepted (None = its share of max_score)
    accept_score: float | None = None
    # legacy `on_reject: continue` vs `break`: a rejected case fails the whole group
    stop_on_reject: bool = False
    # legacy `grader_flags` verdict rule over the group's cases and subgroups:
    # worst_error (the default), first_error or always_accept; None for 2023-07+ groups
    # (the verdict of the first failed case). `accept_if_any`: AC when any of them is AC.
    verdict_rule: str | None = None
    accept_if_any: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """A loaded problem. A limit is None where the package gives none (the judge's default)."""

    name: str
    title: str
    path: Path
    cases: tuple[TestCase, ...]
    time_limit: float | None = None  # seconds
    memory_limit: int | None = None  # bytes
    output_limit: int | None = None  # bytes: stdout and stderr together
    validation: Validation = Validation.DEFAULT
    validator_flags: tuple[str, ...] = ()
    output_validator: Path | None = None  # the validator's source folder or file
    statement: str | None = None
    statement_format: StatementFormat | None = None
    time_multiplier: float | None = None  # ac_to_time_limit
    time_safety_margin: float | None = None  # time_limit_to_tle
    format_version: str = "legacy"  # legacy, 2023-07, 2025-09, plain, inline, polygon, dmoj
    checker_flags: CheckerFlags = field(default_factory=CheckerFlags)
    # Scoring: the groups, each after its subgroups (sample first); empty if pass-fail.
    groups: tuple[TestGroup, ...] = ()
    scoring: bool = False
    # legacy grading's `grader_flags: ignore_sample` at data/: samples do not decide the
    # submission's verdict
    grading_ignores_sample: bool = False
    multi_pass: bool = False
    validation_passes: int = 2
    submit_answer: bool = False
    time_resolution: float = 1.0
    time_limit_source: str = "default"  # problem.yaml, .timelimit, domjudge-problem.ini, …
    code_limit: int | None = None  # bytes
    compilation_time: float | None = None
    compilation_memory: int | None = None
    validation_time: float | None = None
    validation_memory: int | None = None
    validation_output: int | None = None
    # Custom-input runs against a named problem: the package whose accepted submission and
    # input validators judge the cases (problems/custom.py).
    custom_package: Path | None = None
    # ... and that package's own (time, memory, output) limits, which its reference runs
    # under whatever lower limits a request sets for the person's program.
    reference_limits: tuple[float | None, int | None, int | None] = (None, None, None)
    # problem.yaml `constants` ({{name}} in statements, validators, included code, example
    # submissions and test group files), as text; `include/` (files added to submissions).
    constants: tuple[tuple[str, str], ...] = ()
    include_dir: Path | None = None
    # testlib problems (Polygon, DMOJ's Python checkers): checker and interactor sources
    testlib_checker: CheckerSource | None = None
    testlib_interactor: CheckerSource | None = None
    # solutions whose expected verdicts the package states (Polygon's solution tags)
    expectations: tuple[Expectation, ...] = ()
    named_checker: NamedChecker | None = None  # DMOJ's built-in checkers beyond tokens
    # Where the case files are when not under `path` (a DMOJ `archive:` extracted to the
    # cache): the checker's /problem.
    data_root: Path | None = None

    @property
    def samples(self) -> tuple[TestCase, ...]:
        """The sample cases (shown to contestants)."""
        return tuple(case for case in self.cases if case.is_sample)

    def group(self, name: str) -> TestGroup | None:
        """The group of that name, or None."""
        return next((g for g in self.groups if g.name == name), None)
