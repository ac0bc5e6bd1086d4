"""Problem packages: each format, every broken-package error, the library, inline cases."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from judgebox.problems import package as problems
from judgebox.problems.library import ProblemLibrary, submissions
from judgebox.problems.package import Problem, Validation, inline_problem, load_problem
from judgebox.vocabulary.checker_flags import CheckerFlags
from judgebox.vocabulary.errors import ProblemPackageError, UnknownProblemError, UsageError
from judgebox.vocabulary.verdicts import Verdict

BUNDLED = Path(__file__).resolve().parents[2] / "problems"


def write(root: Path, files: dict[str, str]) -> Path:
    """Create the files (path -> text) under root and return root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def case_names(problem: Problem) -> list[str]:
    return [case.name for case in problem.cases]


# --- formats ---------------------------------------------------------------

LEGACY_YAML = """\
name: A Plus B
limits:
  time_multiplier: 5
  time_safety_margin: 2
  memory: 512
  output: 8
validation: default
validator_flags: float_tolerance 1e-6 case_sensitive
"""


def test_legacy_package(tmp_path: Path) -> None:
    package = write(
        tmp_path / "aplusb",
        {
            "problem.yaml": LEGACY_YAML,
            ".timelimit": "1.5\n",
            "problem_statement/problem.sv.md": "# Svenska",
            "problem_statement/problem.en.tex": "\\problemname{Latex}",
            "problem_statement/problem.en.md": "# English",
            "data/sample/1.in": "1 2\n",
            "data/sample/1.ans": "3\n",
            "data/secret/b.in": "",
            "data/secret/b.ans": "",
            "data/secret/a.in": "",
            "data/secret/a.ans": "",
            "data/secret/notes.txt": "ignored",
        },
    )
    problem = load_problem(package)
    assert problem.name == "aplusb" and problem.title == "A Plus B"
    assert problem.format_version == "legacy"
    assert case_names(problem) == ["sample/1", "secret/a", "secret/b"]
    assert [case.index for case in problem.cases] == [1, 2, 3]
    assert [case.name for case in problem.samples] == ["sample/1"]
    first = problem.cases[0]
    assert first.is_sample and first.input_path == package / "data/sample/1.in"
    assert first.answer_path == package / "data/sample/1.ans"
    assert problem.time_limit == 1.5
    assert problem.memory_limit == 512 * 1024 * 1024
    assert problem.output_limit == 8 * 1024 * 1024
    assert (problem.time_multiplier, problem.time_safety_margin) == (5.0, 2.0)
    assert problem.validation is Validation.DEFAULT and problem.output_validator is None
    assert problem.validator_flags == ("float_tolerance", "1e-6", "case_sensitive")
    assert problem.checker_flags == CheckerFlags(True, False, 1e-6, 1e-6)
    assert (problem.statement, problem.statement_format) == ("# English", "markdown")


def test_legacy_package_without_limits_gives_none(tmp_path: Path) -> None:
    package = write(tmp_path / "p", {"data/secret/1.in": "", "data/secret/1.ans": ""})
    problem = load_problem(package)
    assert problem.title == "p"
    # the spec's defaults: no time limit (inferred), 2048 MiB, 8 MiB, multipliers 5 and 2
    assert (problem.time_limit, problem.memory_limit, problem.output_limit) == (
        None, 2048 << 20, 8 << 20,
    )  # fmt: skip
    assert (problem.time_multiplier, problem.time_safety_margin) == (5.0, 2.0)
    assert (problem.statement, problem.statement_format) == (None, None)
    assert problem.samples == ()


def test_legacy_title_from_latex_statement(tmp_path: Path) -> None:
    package = write(
        tmp_path / "p",
        {
            "problem.yaml": "license: cc0\n",
            "problem_statement/problem.tex": "\\problemname{Hello There}\nText",
            "data/secret/1.in": "",
            "data/secret/1.ans": "",
        },
    )
    problem = load_problem(package)
    assert problem.title == "Hello There" and problem.statement_format == "latex"


@pytest.mark.parametrize(
    ("validation", "expected"),
    [("custom", Validation.CUSTOM), ("custom interactive", Validation.INTERACTIVE)],
)
def test_legacy_custom_validators(tmp_path: Path, validation: str, expected: Validation) -> None:
    package = write(
        tmp_path / "p",
        {
            "problem.yaml": f"validation: {validation}\nvalidator_flags: strict\n",
            "output_validators/checker/validator.py": "",
            "data/secret/1.in": "",
            "data/secret/1.ans": "",
        },
    )
    problem = load_problem(package)
    assert problem.validation is expected
    assert problem.output_validator == package / "output_validators" / "checker"
    assert problem.validator_flags == ("strict",)  # passed to the validator, not parsed


def test_2023_07_package(tmp_path: Path) -> None:
    package = write(
        tmp_path / "p",
        {
            "problem.yaml": (
                "problem_format_version: 2023-07-draft\n"
                "type: pass-fail\n"
                "name:\n  de: Hallo\n  en: Hello\n"
                "limits:\n  time_limit: 2.5\n  memory: 1024\n"
                "  time_multipliers:\n    ac_to_time_limit: 2.0\n    time_limit_to_tle: 1.5\n"
            ),
            "statement/problem.en.html": "<p>Hi</p>",
            "data/testdata.yaml": "output_validator_flags: float_relative_tolerance 0.01\n",
            "data/sample/1.in": "",
            "data/sample/1.ans": "",
            "data/secret/1.in": "",
            "data/secret/1.ans": "",
        },
    )
    problem = load_problem(package)
    assert problem.format_version == "2023-07" and problem.title == "Hello"
    assert problem.time_limit == 2.5 and problem.memory_limit == 1024 * 1024 * 1024
    assert (problem.time_multiplier, problem.time_safety_margin) == (2.0, 1.5)
    assert problem.validation is Validation.DEFAULT
    assert problem.checker_flags.float_relative_tolerance == 0.01
    assert (problem.statement, problem.statement_format) == ("<p>Hi</p>", "html")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("pass-fail", Validation.CUSTOM), ("interactive", Validation.INTERACTIVE)],
)
def test_2023_07_output_validator(tmp_path: Path, kind: str, expected: Validation) -> None:
    package = write(
        tmp_path / "p",
        {
            "problem.yaml": f"problem_format_version: 2023-07\ntype: {kind}\nname: P\n",
            "output_validator/validator.cpp": "",
            "data/secret/1.in": "",
            "data/secret/1.ans": "",
        },
    )
    problem = load_problem(package)
    assert problem.validation is expected
    assert problem.output_validator == package / "output_validator"


def test_nested_groups_are_sorted_recursively(tmp_path: Path) -> None:
    files = {}
    for name in ["secret/group2/1", "secret/group1/03", "secret/group1/01", "secret/a",
                 "secret/group1/deeper/x", "secret/z", "sample/2", "sample/1"]:  # fmt: skip
        files[f"data/{name}.in"] = name
        files[f"data/{name}.ans"] = name
    problem = load_problem(write(tmp_path / "p", files))
    assert case_names(problem) == [
        "sample/1",
        "sample/2",
        "secret/a",
        "secret/group1/01",
        "secret/group1/03",
        "secret/group1/deeper/x",
        "secret/group2/1",
        "secret/z",
    ]
    assert [case.is_sample for case in problem.cases] == [True, True] + [False] * 6
    for case in problem.cases:
        assert case.input_path.read_text() == case.name


def test_plain_folder(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "plain",
        {
            "10.in": "",
            "10.ans": "",
            "2.in": "",
            "2.out": "",
            "1.in": "",
            "1.ans": "",
            "sample.in": "",
            "sample.ans": "",
            "a.in": "",
            "a.ans": "",
            "README.md": "not a case",
            ".timelimit": "3",
        },
    )
    problem = load_problem(folder)
    assert problem.format_version == "plain"
    assert case_names(problem) == ["sample", "1", "2", "10", "a"]
    assert [case.is_sample for case in problem.cases] == [True, False, False, False, False]
    assert problem.cases[2].answer_path.name == "2.out"
    assert problem.time_limit == 3.0 and problem.validation is Validation.DEFAULT


# --- inline cases ------------------------------------------------------------


def test_inline_problem_writes_the_cases(tmp_path: Path) -> None:
    problem = inline_problem(
        [{"name": "small", "input": "1 2\n", "answer": "3\n"}, {"input": "", "answer": "0"}],
        tmp_path / "cases",
    )
    assert problem.name == "inline" and problem.format_version == "inline"
    assert case_names(problem) == ["small", "2"]
    assert problem.cases[0].input_path.read_text() == "1 2\n"
    assert problem.cases[1].answer_path.read_text() == "0"
    assert problem.validation is Validation.DEFAULT and problem.time_limit is None
    assert problem.checker_flags == CheckerFlags()


def test_inline_keeps_windows_newlines_and_unicode(tmp_path: Path) -> None:
    problem = inline_problem([{"input": "a\r\nb", "answer": "é"}], tmp_path)
    assert problem.cases[0].input_path.read_bytes() == b"a\r\nb"
    assert problem.cases[0].answer_path.read_bytes() == "é".encode()


@pytest.mark.parametrize(
    ("cases", "message"),
    [
        ([], "non-empty list"),
        ("1 2", "non-empty list"),
        ({"input": "1"}, "non-empty list"),
        (["1 2"], "cases[0] must be an object"),
        ([{"answer": "3"}], "cases[0].input must be a string (it is missing)"),
        ([{"input": "1", "answer": 3}], "cases[0].answer must be a string (it is a int)"),
        ([{"input": "1", "answer": "1", "name": ""}], "cases[0].name must be a non-empty"),
        (
            [{"input": "", "answer": "", "name": "x"}, {"input": "", "answer": "", "name": "x"}],
            "cases[1].name 'x' is used twice",
        ),
        ([{"input": "\ud800", "answer": ""}], "cases[0].input is not UTF-8 text"),
        ([{"input": "", "answer": "", "name": "\udfff"}], "cases[0].name is not UTF-8 text"),
    ],
)
def test_inline_problem_rejects_bad_cases(tmp_path: Path, cases: object, message: str) -> None:
    with pytest.raises(UsageError) as error:
        inline_problem(cases, tmp_path / "cases")  # type: ignore[arg-type]
    assert message in error.value.message
    assert not (tmp_path / "cases").exists()  # nothing written before every case is checked


# --- broken packages -----------------------------------------------------------

ONE_CASE = {"data/secret/1.in": "", "data/secret/1.ans": ""}


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"data/secret/1.in": ""}, ["1.in", "add 1.ans"]),
        ({"problem.yaml": "name: [unclosed\n", **ONE_CASE}, ["problem.yaml", "not valid YAML"]),
        ({"problem.yaml": "- a list\n", **ONE_CASE}, ["problem.yaml", "must be a mapping"]),
        ({"problem.yaml": "name: x\n"}, ["data", "no test cases", "data/secret"]),
        ({"problem.yaml": "limits: 5\n", **ONE_CASE}, ["problem.yaml", "`limits` must be a map"]),
        (
            {"problem.yaml": "limits:\n  memory: lots\n", **ONE_CASE},
            ["problem.yaml", "`memory` must be a positive number, not 'lots'"],
        ),
        (
            {"problem.yaml": "limits:\n  memory: -5\n", **ONE_CASE},
            ["`memory` must be a positive number"],
        ),
        ({"problem.yaml": "limits:\n  output: true\n", **ONE_CASE}, ["`output` must be a posi"]),
        ({"problem.yaml": "validator_flags: 5\n", **ONE_CASE}, ["`validator_flags` must be"]),
        ({"problem.yaml": "name: [1, 2]\n", **ONE_CASE}, ["problem.yaml", "`name` must be text"]),
        (
            {"problem.yaml": "validation: custom\n", **ONE_CASE},
            ["validation: custom", "output_validators", "validator.py", "validation: default"],
        ),
        (
            {"problem.yaml": "validation: custom fancy\n", **ONE_CASE},
            ["`validation` must be default, or custom followed by"],
        ),
        (
            {"problem.yaml": "validator_flags: float_tolerance\n", **ONE_CASE},
            ["problem.yaml", "float_tolerance needs a number"],
        ),
        (
            {"problem.yaml": "validator_flags: case_insensitive\n", **ONE_CASE},
            ["problem.yaml", "unknown validator flag 'case_insensitive'"],
        ),
        ({".timelimit": "fast\n", **ONE_CASE}, [".timelimit", "in seconds", "'fast'"]),
        ({".timelimit": "inf\n", **ONE_CASE}, [".timelimit", "in seconds", "'inf'"]),
        (
            {"domjudge-problem.ini": "timelimit = '-2'\n", **ONE_CASE},
            ["domjudge-problem.ini", "`timelimit` must be seconds", "'-2'"],
        ),
        (
            {"problem.yaml": "problem_format_version: 2099-01\n", **ONE_CASE},
            ["problem_format_version '2099-01'", "2025-09"],
        ),
        (
            {
                "problem.yaml": "validation: custom\n",
                "output_validators/a/v.py": "",
                "output_validators/b/v.py": "",
                **ONE_CASE,
            },
            ["output_validators", "several validators (a, b)", "keep one"],
        ),
        (
            {"problem.yaml": "problem_format_version: 2023-07\ntype: interactive\n", **ONE_CASE},
            ["type: interactive", "output_validator", "validator.py"],
        ),
        (
            {
                "problem.yaml": "problem_format_version: 2025-09\ntype: [pass-fail, scoring]\n",
                **ONE_CASE,
            },
            ["problem.yaml", "pass-fail and scoring cannot be combined"],
        ),
        (
            {
                "problem.yaml": "problem_format_version: 2023-07\n",
                "data/testdata.yaml": "[",
                **ONE_CASE,
            },
            ["testdata.yaml", "not valid YAML"],
        ),
        ({"README.md": "nothing here"}, ["no test cases", "NAME.in + NAME.ans"]),
        ({"1.in": "", "1.txt": ""}, ["1.in", "add 1.ans"]),
    ],
)
def test_broken_package_names_file_and_fix(
    tmp_path: Path, files: dict[str, str], named: list[str]
) -> None:
    package = write(tmp_path / "broken", files)
    with pytest.raises(ProblemPackageError) as error:
        load_problem(package)
    for part in named:
        assert part in error.value.message


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ProblemPackageError, match="not a folder"):
        load_problem(tmp_path / "missing")


def test_invalid_utf8_yaml_is_a_package_error(tmp_path: Path) -> None:
    package = write(tmp_path / "p", ONE_CASE)
    (package / "problem.yaml").write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ProblemPackageError, match=r"problem\.yaml"):
        load_problem(package)


# --- submissions -------------------------------------------------------------


def test_submissions_map_folders_to_verdicts(tmp_path: Path) -> None:
    folders = ["accepted", "wrong_answer", "time_limit_exceeded", "run_time_error",
               "memory_limit_exceeded", "output_limit_exceeded", "compile_error"]  # fmt: skip
    files = {f"submissions/{folder}/x.py": "" for folder in folders}
    files |= {"submissions/accepted/b.cpp": "", "submissions/accepted/.hidden": ""}
    files |= {"submissions/rejected/y.py": "", "submissions/partially_accepted/z.py": ""}
    problem = load_problem(write(tmp_path / "p", {**files, **ONE_CASE}))
    found = [
        (verdict, path.relative_to(problem.path).as_posix())
        for verdict, path in submissions(problem)
    ]
    assert found == [
        (Verdict.AC, "submissions/accepted/b.cpp"),
        (Verdict.AC, "submissions/accepted/x.py"),
        (Verdict.WA, "submissions/wrong_answer/x.py"),
        (Verdict.TLE, "submissions/time_limit_exceeded/x.py"),
        (Verdict.RTE, "submissions/run_time_error/x.py"),
        (Verdict.MLE, "submissions/memory_limit_exceeded/x.py"),
        (Verdict.OLE, "submissions/output_limit_exceeded/x.py"),
        (Verdict.CE, "submissions/compile_error/x.py"),
    ]


def test_no_submissions_folder(tmp_path: Path) -> None:
    assert submissions(load_problem(write(tmp_path / "p", ONE_CASE))) == []


# --- the library ----------------------------------------------------------------


@pytest.fixture
def library_root(tmp_path: Path) -> Path:
    write(tmp_path / "zeta", ONE_CASE)
    write(tmp_path / "alpha", {"problem.yaml": "name: Alpha\n", **ONE_CASE})
    write(tmp_path / "broken", {"data/secret/1.in": ""})
    write(tmp_path / ".hidden", ONE_CASE)
    write(tmp_path / "with space", ONE_CASE)
    (tmp_path / "notes.txt").write_text("not a problem")
    return tmp_path


def test_library_lists_sorted_and_remembers_broken(library_root: Path) -> None:
    library = ProblemLibrary(library_root, cache_dir=library_root / ".cache")
    assert [problem.name for problem in library.list()] == ["alpha", "zeta"]
    assert list(library.broken) == ["broken", "with space"]
    assert "1.in" in library.broken["broken"]
    assert "rename it" in library.broken["with space"]
    assert library.get("alpha").title == "Alpha"
    with pytest.raises(ProblemPackageError):
        library.get("broken")


def test_library_of_a_missing_root_is_empty(tmp_path: Path) -> None:
    assert ProblemLibrary(tmp_path / "nowhere", cache_dir=tmp_path / "cache").list() == []


@pytest.mark.parametrize(
    "name", ["../../etc", "a/b", "/etc", "", ".", "..", ".hidden", "a\\b", "a\x00", " x", "x" * 200]
)
def test_library_refuses_path_like_names(library_root: Path, name: str) -> None:
    with pytest.raises(UnknownProblemError) as error:
        ProblemLibrary(library_root, cache_dir=library_root / ".cache").get(name)
    assert "not a problem name" in error.value.message


def test_library_unknown_name_lists_the_known_ones(library_root: Path) -> None:
    library = ProblemLibrary(library_root, cache_dir=library_root / ".cache")
    with pytest.raises(UnknownProblemError) as error:
        library.get("nope")
    # The folders' names, read without loading a package (a broken one is a name too).
    assert error.value.message == "no problem named 'nope'; known problems: alpha, broken, zeta"
    assert not library._cache


def test_library_unknown_name_names_twenty_and_counts_the_rest(tmp_path: Path) -> None:
    for i in range(25):
        (tmp_path / f"p{i:02}").mkdir()
    with pytest.raises(UnknownProblemError) as error:
        ProblemLibrary(tmp_path, cache_dir=tmp_path / ".cache").get("nope")
    shown = ", ".join(f"p{i:02}" for i in range(20))
    assert error.value.message == (
        f"no problem named 'nope'; known problems: {shown} "
        "and 5 more (the problem list names them all)"
    )


def test_library_caches_until_the_package_changes(library_root: Path) -> None:
    library = ProblemLibrary(library_root, cache_dir=library_root / ".cache")
    first = library.get("alpha")
    assert library.get("alpha") is first
    yaml_file = library_root / "alpha" / "problem.yaml"
    yaml_file.write_text("name: Renamed\n")
    stat = yaml_file.stat()
    os.utime(yaml_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert library.get("alpha").title == "Renamed"
    secret = library_root / "alpha" / "data" / "secret"
    write(secret, {"2.in": "", "2.ans": ""})
    os.utime(secret, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert len(library.get("alpha").cases) == 2


# --- the bundled packages ----------------------------------------------------------


def test_bundled_problems_load(tmp_path: Path) -> None:
    library = ProblemLibrary(BUNDLED, cache_dir=tmp_path)
    loaded = {problem.name: problem for problem in library.list()}
    assert library.broken == {}
    assert sorted(loaded) == ["anysum", "aplusb", "countdown", "doubleit", "guess", "hypotenuse"]
    for problem in loaded.values():
        assert len(problem.samples) == (1 if problem.name in ("countdown", "doubleit") else 2)
        assert len(problem.cases) > len(problem.samples)
        assert problem.statement
        # hypotenuse is a Kattis legacy package with a LaTeX statement
        wanted = "latex" if problem.name == "hypotenuse" else "markdown"
        assert problem.statement_format == wanted
        assert problem.time_limit is not None
    assert len(loaded["aplusb"].cases) == 52 and loaded["aplusb"].time_limit == 1.0
    assert loaded["hypotenuse"].checker_flags.float_absolute_tolerance == 1e-6
    assert loaded["anysum"].validation is Validation.CUSTOM
    assert loaded["guess"].validation is Validation.INTERACTIVE
    for name in ("anysum", "guess"):
        validator = loaded[name].output_validator
        assert validator is not None and (validator / "validator.py").is_file()


def test_bundled_submissions_cover_every_verdict() -> None:
    aplusb = load_problem(BUNDLED / "aplusb")
    suffixes: dict[Verdict, set[str]] = {}
    for verdict, path in submissions(aplusb):
        suffixes.setdefault(verdict, set()).add(path.suffix)
    assert suffixes == {
        Verdict.AC: {".c", ".cpp", ".py", ".java", ".js", ".rs"},
        Verdict.WA: {".py"},
        Verdict.TLE: {".cpp"},
        Verdict.RTE: {".py"},
        Verdict.CE: {".cpp"},
        Verdict.MLE: {".cpp"},
        Verdict.OLE: {".c"},
    }
    java = next(p for v, p in submissions(aplusb) if p.suffix == ".java")
    assert "public class Main" in java.read_text()


def test_aplusb_secret_cases_are_what_the_generator_makes() -> None:
    spec = importlib.util.spec_from_file_location("generator", BUNDLED / "aplusb" / "generator.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    pairs = generator.cases()
    assert pairs == generator.cases() and len(pairs) == 50
    secret = [case for case in load_problem(BUNDLED / "aplusb").cases if not case.is_sample]
    for case, (a, b) in zip(secret, pairs, strict=True):
        assert case.input_path.read_text() == f"{a} {b}\n"
        assert case.answer_path.read_text() == f"{a + b}\n"
        assert abs(a + b) < 2**63


def test_test_case_is_not_collected_by_pytest() -> None:
    assert problems.TestCase.__test__ is False
