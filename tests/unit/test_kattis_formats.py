"""Kattis format versions, test data configuration and per-case files; package programs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from judgebox.languages.table import load_languages
from judgebox.problems.package import load_problem
from judgebox.problems.programs import resolve_program
from judgebox.vocabulary.errors import ProblemPackageError

PACKAGES = Path(__file__).resolve().parents[1] / "data" / "packages"
ONE_CASE = {"data/secret/1.in": "1\n", "data/secret/1.ans": "1\n"}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("declared", "family"),
    [
        (None, "legacy"), ("legacy", "legacy"), ("legacy-icpc", "legacy"),
        ("2023-07-draft", "2023-07"), ("2023-07", "2023-07"),
        ("2025-09-draft", "2025-09"), ("2025-09", "2025-09"),
    ],
)  # fmt: skip
def test_every_format_version_loads(tmp_path: Path, declared: str | None, family: str) -> None:
    yaml = f"problem_format_version: {declared}\n" if declared else "name: x\n"
    problem = load_problem(write(tmp_path / "p", {"problem.yaml": yaml, **ONE_CASE}))
    assert problem.format_version == family


def test_test_group_yaml_is_inherited_and_overridden(tmp_path: Path) -> None:
    package = write(
        tmp_path / "p",
        {
            "problem.yaml": "problem_format_version: 2025-09\n",
            "data/secret/test_group.yaml": (
                "args: [a]\noutput_validator_args: [float_tolerance, '1']\n"
            ),
            "data/secret/g1/1.in": "", "data/secret/g1/1.ans": "",
            "data/secret/g2/test_group.yaml": "args: [b]\n",
            "data/secret/g2/1.in": "", "data/secret/g2/1.ans": "",
            "data/secret/g2/2.in": "", "data/secret/g2/2.ans": "",
            "data/secret/g2/2.yaml": "args: [c, d]\nhint: think\ndescription: edge\n",
        },
    )  # fmt: skip
    problem = load_problem(package)
    args = {case.name: case.args for case in problem.cases}
    assert args == {"secret/g1/1": ("a",), "secret/g2/1": ("b",), "secret/g2/2": ("c", "d")}
    assert all(c.validator_args == ("float_tolerance", "1") for c in problem.cases)
    flags = problem.cases[0].checker_flags
    assert flags is not None and flags.float_absolute_tolerance == 1.0
    last = problem.cases[-1]
    assert (last.hint, last.description) == ("think", "edge")
    assert problem.groups == ()  # pass-fail: groups only set args, nothing is scored


def test_legacy_package_with_per_case_files() -> None:
    problem = load_problem(PACKAGES / "legacytestdata")
    by_name = {c.name: c for c in problem.cases}
    assert list(by_name) == ["sample/1", "secret/exact/1", "secret/exact/2", "secret/loose/1"]
    sample = by_name["sample/1"]
    assert sample.statement_input is not None and sample.statement_input.name == "1.in.statement"
    assert sample.description == "the first odd case"
    assert by_name["secret/loose/1"].hint == "half of five"
    assert by_name["secret/exact/2"].args == ("ignored-by-the-answer",)
    exact = by_name["secret/exact/1"].checker_flags
    assert exact is not None and exact.case_sensitive and not exact.compares_floats
    assert problem.checker_flags.float_absolute_tolerance == 0.01


def test_interaction_with_statement_files_is_refused(tmp_path: Path) -> None:
    package = write(
        tmp_path / "p",
        {
            "problem.yaml": "problem_format_version: 2025-09\n",
            "data/sample/1.in": "", "data/sample/1.ans": "",
            "data/sample/1.interaction": "<1\n>1\n", "data/sample/1.out": "",
            **ONE_CASE,
        },
    )  # fmt: skip
    with pytest.raises(ProblemPackageError, match=r"1\.interaction: .*must not also have"):
        load_problem(package)


@pytest.mark.parametrize(
    ("files", "language", "main", "compiled_together"),
    [
        ({"validate.cc": "", "validate.h": ""}, "cpp", "validate.cc", ["validate.cc"]),
        ({"a.cpp": "", "b.cpp": "", "x.h": ""}, "cpp", "a.cpp", ["a.cpp", "b.cpp"]),
        ({"anything.py": ""}, "python3", "anything.py", None),
        ({"__main__.py": "", "__init__.py": "", "util.py": ""}, "python3", "__main__.py", None),
        ({"main.py": "", "helper.py": ""}, "python3", "main.py", None),
        ({"build": "", "checker.c": ""}, "package-script", "build", None),
        ({"run": ""}, "package-script", "run", None),
    ],
)  # fmt: skip
def test_programs_as_the_spec_defines_them(
    tmp_path: Path,
    files: dict[str, str],
    language: str,
    main: str,
    compiled_together: list[str] | None,
) -> None:
    folder = write(tmp_path / "prog", files)
    program = resolve_program(folder, load_languages())
    assert (program.language.id, program.main) == (language, main)
    if compiled_together is not None:
        assert program.language.compile is not None
        assert [a for a in program.language.compile if a in files] == compiled_together


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({}, "missing or empty"),
        ({"a.py": "", "b.cpp": ""}, "cannot tell the program's language"),
        ({"a.py": "", "b.py": ""}, "no entry point"),
    ],
)
def test_unclear_programs_are_refused(tmp_path: Path, files: dict[str, str], named: str) -> None:
    folder = tmp_path / "prog"
    folder.mkdir()
    write(folder, files)
    with pytest.raises(ProblemPackageError, match=named):
        resolve_program(folder, load_languages())


def test_a_broken_package_is_one_line_and_the_others_still_load(tmp_path: Path) -> None:
    from judgebox.problems.library import ProblemLibrary

    good = {"problem.yaml": "problem_format_version: 2025-09\n", **ONE_CASE}
    write(tmp_path / "good", good)
    write(tmp_path / "badversion", {**good, "problem.yaml": "problem_format_version: 2030-01\n"})
    write(tmp_path / "badyaml", {**good, "problem.yaml": "limits: [\n  time_limit: 1\n"})
    write(tmp_path / "novalidator", {**good, "problem.yaml": (
        "problem_format_version: 2025-09\ntype: interactive\n")})  # fmt: skip
    write(
        tmp_path / "badvalidator",
        {**good, "output_validator/a.py": "", "output_validator/b.cc": ""},
    )
    write(tmp_path / "overmax", {
        "problem.yaml": "problem_format_version: 2025-09\ntype: scoring\n",
        "data/secret/g/test_group.yaml": "max_score: 101\n",
        "data/secret/g/1.in": "", "data/secret/g/1.ans": "",
    })  # fmt: skip
    library = ProblemLibrary(tmp_path, cache_dir=tmp_path / ".cache")
    assert [p.name for p in library.list()] == ["good"]
    expected = {
        "badversion": ("problem.yaml", "unknown problem_format_version '2030-01'"),
        "badyaml": ("problem.yaml", "not valid YAML"),
        "novalidator": ("problem.yaml", "output_validator"),
        "badvalidator": ("output_validator", "cannot tell the program's language"),
        "overmax": ("secret/g/test_group.yaml", "over its max_score 100"),
    }
    assert set(library.broken) == set(expected)
    for name, (file, rule) in expected.items():
        message = library.broken[name]
        assert "\n" not in message and file in message and rule in message, message


def test_the_library_caches_a_big_package_and_sees_changes(tmp_path: Path) -> None:
    from judgebox.problems.library import ProblemLibrary

    files = {"problem.yaml": "problem_format_version: 2025-09\n"}
    for i in range(1000):
        files[f"data/secret/{i:04d}.in"] = f"{i}\n"
        files[f"data/secret/{i:04d}.ans"] = f"{i}\n"
    write(tmp_path / "big", files)
    trusting = ProblemLibrary(tmp_path, cache_dir=tmp_path / ".cache", recheck_seconds=3600)
    first = trusting.get("big")
    assert len(first.cases) == 1000 and trusting.get("big") is first  # no rescan, no reload
    checking = ProblemLibrary(tmp_path, cache_dir=tmp_path / ".cache")
    loaded = checking.get("big")
    assert checking.get("big") is loaded  # same signature: the cached problem
    group = tmp_path / "big" / "data" / "secret" / "test_group.yaml"
    group.write_text("args: [x]\n")
    os.utime(group, ns=(0, 10**18))  # a later mtime, whatever the clock's resolution
    assert checking.get("big").cases[0].args == ("x",)


def test_a_program_folder_inside_output_validator_is_the_validator(tmp_path: Path) -> None:
    # problemtools' 2023-07-draft `guess` example: output_validator/guess_validator/*.cc.
    # It was refused: "output_validator: the program is missing or empty".
    package = write(
        tmp_path / "p",
        {
            "problem.yaml": "problem_format_version: 2023-07-draft\ntype: interactive\n",
            "output_validator/talk/validate.cc": "int main() { return 42; }\n",
            "output_validator/talk/validate.h": "\n",
            **ONE_CASE,
        },
    )  # fmt: skip
    problem = load_problem(package)
    assert problem.output_validator == package / "output_validator" / "talk"
