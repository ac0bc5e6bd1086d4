"""Loading DMOJ problem folders (init.yml) and their archives: the model and the errors."""

from __future__ import annotations

import os
import shutil
import warnings
import zipfile
from pathlib import Path

import pytest

from judgebox.problems import archives
from judgebox.problems.library import ProblemLibrary
from judgebox.problems.package import Validation, load_problem
from judgebox.vocabulary.errors import ProblemPackageError

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_batches_points_pretests_and_the_python_checker() -> None:
    problem = load_problem(DATA / "dmoj-batched")
    assert problem.format_version == "dmoj" and problem.scoring
    assert [c.name for c in problem.cases] == [
        "pretest/1", "1", "batch1/1", "batch1/2", "batch2/1", "batch2/2", "4"
    ]  # fmt: skip
    groups = {g.name: g for g in problem.groups}
    assert groups["secret/pretests"].max_score is None  # pretests first, unscored
    batch1, batch2 = groups["secret/batch1"], groups["secret/batch2"]
    assert (batch1.aggregation, batch1.max_score, batch1.cases) == ("pass-fail", 30.0, (3, 4))
    # points 0 gates every later group; dependencies: [1] is batch 1
    assert batch2.require_pass == ("secret/pretests", "secret/case1", "secret/batch1")
    assert (groups["secret/case4"].aggregation, groups["secret/case4"].max_score) == ("sum", 20)
    assert groups["secret"].max_score == 100.0
    assert problem.validation is Validation.TESTLIB
    assert problem.testlib_checker is not None
    assert problem.testlib_checker.protocol == "dmoj-python"
    assert '"partial_share": 2' in problem.testlib_checker.args_json


def test_the_archive_is_extracted_once_into_the_cache(cache: Path) -> None:
    old = os.umask(0o077)  # a strict umask must not hide the cases from the boxes' uids
    try:
        problem = load_problem(DATA / "dmoj-archive", cache)
    finally:
        os.umask(old)
    assert problem.data_root is not None and problem.data_root.is_relative_to(cache)
    assert problem.cases[0].input_path.read_text() == "1 3\n"
    assert problem.cases[0].input_path.stat().st_mode & 0o777 == 0o644
    assert problem.cases[0].input_path.parent.stat().st_mode & 0o777 == 0o755
    flags = problem.checker_flags
    assert flags.float_absolute_tolerance == flags.float_relative_tolerance == pytest.approx(1e-3)
    again = load_problem(DATA / "dmoj-archive", cache)
    assert again.data_root == problem.data_root
    assert [p.name for p in cache.joinpath("archives").iterdir()] == [problem.data_root.name]


def test_each_library_extracts_into_its_own_cache_and_the_environment_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUDGEBOX_CACHE_DIR", str(tmp_path / "from-environment"))
    root = tmp_path / "problems"
    shutil.copytree(DATA / "dmoj-archive", root / "zipped")
    first = ProblemLibrary(root, cache_dir=tmp_path / "one").get("zipped")
    second = ProblemLibrary(root, cache_dir=tmp_path / "two").get("zipped")
    assert first.data_root is not None and first.data_root.parent == tmp_path / "one" / "archives"
    assert second.data_root is not None and second.data_root.parent == tmp_path / "two" / "archives"
    assert second.cases[0].input_path.read_text() == "1 3\n"
    assert not (tmp_path / "from-environment").exists()


def test_an_archive_with_no_cache_folder_given_is_refused() -> None:
    with pytest.raises(ProblemPackageError, match="needs a cache folder"):
        load_problem(DATA / "dmoj-archive")


@pytest.mark.parametrize(
    ("checker", "expected"),
    [
        ("standard", (None, None, True)),
        ("{name: floatsabs, args: {precision: 2}}", (0.01, None, True)),
        ("{name: floats, args: {precision: 4, error_mode: relative}}", (None, 1e-4, True)),
    ],
)
def test_token_checkers_are_default_checker_flags(
    tmp_path: Path, checker: str, expected: tuple[float | None, float | None, bool]
) -> None:
    package = _copy(tmp_path)
    _set_checker(package, checker)
    flags = load_problem(package).checker_flags
    assert (
        flags.float_absolute_tolerance, flags.float_relative_tolerance, flags.case_sensitive
    ) == pytest.approx(expected)  # fmt: skip


def test_named_checkers_carry_their_args(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    _set_checker(package, "{name: sorted, args: {split_on: whitespace}}")
    named = load_problem(package).named_checker
    assert named is not None and (named.name, named.split_on) == ("sorted", "whitespace")
    _set_checker(package, "{name: identical, args: {pe_allowed: false}}")
    named = load_problem(package).named_checker
    assert named is not None and named.pe_allowed is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("name: checker.py", "name: coci"), "unknown checker 'coci'"),
        (("{in: single.in", "{in: ../../etc/passwd"), "leaves the problem"),
        (("{in: single.in", "{in: nothere.in"), "nothere.in is missing"),
        (("dependencies: [1]", "dependencies: [2]"), "earlier batch numbers"),
        (("pretest_test_cases:", "generator: gen.py\npretest_test_cases:"), "not supported"),
    ],
)
def test_errors_name_the_file_and_the_rule(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    package = _copy(tmp_path)
    text = (package / "init.yml").read_text()
    assert change[0] in text
    (package / "init.yml").write_text(text.replace(change[0], change[1]))
    with pytest.raises(ProblemPackageError, match=r"init\.yml") as error:
        load_problem(package)
    assert message in error.value.message


def test_test_cases_by_regex_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    (package / "init.yml").write_text("test_cases:\n  input_format: '(\\d+).in'\n")
    with pytest.raises(ProblemPackageError, match="regexes are not supported"):
        load_problem(package)


def _zip(path: Path, members: list[tuple[zipfile.ZipInfo, bytes]]) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # a duplicate name is what one test writes
        for info, data in members:
            archive.writestr(info, data)
    return path


def _info(name: str, mode: int = 0o100644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([(_info("../escape.in"), b"x")], "leaves the archive"),
        ([(_info("/abs.in"), b"x")], "leaves the archive"),
        ([(_info("link.in", 0o120777), b"/etc/passwd")], "symlink or special file"),
        ([(_info("a.in"), b"1"), (_info("a.in"), b"2")], "twice"),
    ],
)
def test_hostile_archives_are_refused(
    tmp_path: Path, members: list[tuple[zipfile.ZipInfo, bytes]], message: str
) -> None:
    zip_file = _zip(tmp_path / "bad.zip", members)
    with pytest.raises(ProblemPackageError, match=message):
        archives.extract_archive(zip_file, tmp_path / "cache")
    assert not (tmp_path / "escape.in").exists()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []  # nothing half-made is kept


def test_size_and_count_caps_are_counted_not_believed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = _zip(tmp_path / "bomb.zip", [(_info("big.in"), b"0" * 5000)])
    monkeypatch.setattr(archives, "MAX_BYTES", 4096)
    with pytest.raises(ProblemPackageError, match="inflates to over"):
        archives.extract_archive(bomb, tmp_path / "cache")
    many = _zip(tmp_path / "many.zip", [(_info(f"{i}.in"), b"1") for i in range(5)])
    monkeypatch.setattr(archives, "MAX_MEMBERS", 4)
    with pytest.raises(ProblemPackageError, match="5 members"):
        archives.extract_archive(many, tmp_path / "cache")


def _copy(tmp_path: Path) -> Path:
    package = tmp_path / "p"
    shutil.copytree(DATA / "dmoj-batched", package)
    return package


def _set_checker(package: Path, checker: str) -> None:
    text = (package / "init.yml").read_text()
    head = text[: text.index("checker:")]
    (package / "init.yml").write_text(f"{head}checker: {checker}\n")
