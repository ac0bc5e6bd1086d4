"""Scoring: test groups loaded from 2025-09 and legacy packages, case and group scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from judgebox.judging.scoring import Scoreboard, ScoreError, case_max_score, case_score
from judgebox.problems.package import Problem, load_problem
from judgebox.vocabulary.errors import ProblemPackageError
from judgebox.vocabulary.verdicts import Verdict

AC, WA = Verdict.AC, Verdict.WA


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def scoring_package(root: Path, extra: dict[str, str] | None = None) -> Path:
    files = {
        "problem.yaml": "problem_format_version: 2025-09\ntype: scoring\nname: S\n",
        "data/sample/1.in": "", "data/sample/1.ans": "",
        "data/secret/test_group.yaml": "require_pass: sample\n",
        "data/secret/g1/test_group.yaml": "max_score: 30\n",
        "data/secret/g1/a.in": "", "data/secret/g1/a.ans": "",
        "data/secret/g1/b.in": "", "data/secret/g1/b.ans": "",
        "data/secret/g2/test_group.yaml": (
            "max_score: 70\nscore_aggregation: sum\nrequire_pass: secret/g1\nargs: [fast]\n"
        ),
        "data/secret/g2/a.in": "", "data/secret/g2/a.ans": "",
        "data/secret/g2/b.in": "", "data/secret/g2/b.ans": "",
    }  # fmt: skip
    return write(root, {**files, **(extra or {})})


def run(problem: Problem, verdicts: list[Verdict], scores: dict[int, str] | None = None):  # type: ignore[no-untyped-def]
    board = Scoreboard(problem)
    events = []
    shown = []
    for case, verdict in zip(problem.cases, verdicts, strict=True):
        if board.blocked(case):
            verdict = Verdict.SKIPPED
        shown.append(verdict)
        score = case_score(problem, case, verdict, score_text=(scores or {}).get(case.index),
                           multiplier_text=None)  # fmt: skip
        events += board.record(case, verdict, score)
    return board, events, shown


def test_2025_09_groups_load_with_their_defaults(tmp_path: Path) -> None:
    problem = load_problem(scoring_package(tmp_path / "s"))
    assert problem.scoring and problem.format_version == "2025-09"
    groups = {g.name: g for g in problem.groups}
    assert set(groups) == {"sample", "secret", "secret/g1", "secret/g2"}
    assert (groups["secret"].aggregation, groups["secret"].max_score) == ("sum", 100.0)
    assert groups["secret"].require_pass == ("sample",)
    assert (groups["secret/g1"].aggregation, groups["secret/g1"].max_score) == ("pass-fail", 30)
    assert groups["secret/g2"].require_pass == ("secret/g1",)
    assert groups["secret"].subgroups == ("secret/g1", "secret/g2")
    assert [c.group for c in problem.cases] == ["sample"] + ["secret/g1"] * 2 + ["secret/g2"] * 2
    assert [c.args for c in problem.cases][-1] == ("fast",)
    assert case_max_score(problem, problem.cases[3]) == 35.0
    assert case_max_score(problem, problem.cases[1]) is None  # pass-fail group


def test_all_accepted_scores_the_maximum(tmp_path: Path) -> None:
    problem = load_problem(scoring_package(tmp_path / "s"))
    board, events, _ = run(problem, [AC] * 5)
    assert [(e.name, e.verdict, e.score) for e in events] == [
        ("sample", AC, None),
        ("secret/g1", AC, 30.0),
        ("secret/g2", AC, 70.0),
        ("secret", AC, 100.0),
    ]
    assert board.total() == (100.0, 100.0)


def test_require_pass_skips_the_dependent_group(tmp_path: Path) -> None:
    problem = load_problem(scoring_package(tmp_path / "s"))
    board, events, shown = run(problem, [AC, AC, WA, AC, AC])
    assert shown == [AC, AC, WA, Verdict.SKIPPED, Verdict.SKIPPED]
    assert [(e.name, e.score) for e in events][1:] == [
        ("secret/g1", 0.0), ("secret/g2", 0.0), ("secret", 0.0),
    ]  # fmt: skip
    assert board.total() == (0.0, 100.0)


def test_sum_group_adds_partial_scores_from_score_txt(tmp_path: Path) -> None:
    problem = load_problem(scoring_package(tmp_path / "s"))
    board, events, _ = run(problem, [AC, AC, AC, AC, WA], {4: "12.5\n"})
    assert events[2].name == "secret/g2" and events[2].score == 12.5
    assert board.total() == (42.5, 100.0)


def test_score_over_the_case_maximum_is_a_judge_error(tmp_path: Path) -> None:
    problem = load_problem(scoring_package(tmp_path / "s"))
    case = problem.cases[3]
    with pytest.raises(ScoreError, match="over the case's maximum 35"):
        case_score(problem, case, AC, score_text="36", multiplier_text=None)
    with pytest.raises(ScoreError, match="both"):
        case_score(problem, case, AC, score_text="1", multiplier_text="1")
    with pytest.raises(ScoreError, match="rejected"):
        case_score(problem, case, WA, score_text="1", multiplier_text=None)
    assert case_score(problem, case, AC, score_text=None, multiplier_text="0.5") == 17.5
    with pytest.raises(ScoreError, match="pass-fail"):
        case_score(problem, problem.cases[1], AC, score_text="3", multiplier_text=None)


def test_min_aggregation_takes_the_lowest(tmp_path: Path) -> None:
    problem = load_problem(
        scoring_package(
            tmp_path / "s",
            {"data/secret/g2/test_group.yaml": "max_score: 70\nscore_aggregation: min\n"},
        )
    )
    _, events, _ = run(problem, [AC] * 5, {4: "20", 5: "50"})
    assert events[2].score == 20.0


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"data/secret/g1/test_group.yaml": "max_score: 90\n"}, ["add up to 160", "over its"]),
        ({"data/secret/g1/test_group.yaml": "score_aggregation: sum\n"}, ["needs a max_score"]),
        ({"data/secret/g2/test_group.yaml": "max_score: 70\nrequire_pass: secret/g9\n"},
         ["require_pass", "secret/g9"]),
        ({"data/secret/g1/test_group.yaml": "max_score: 30\nrequire_pass: secret/g2\n"},
         ["must come before"]),
        ({"data/sample/test_group.yaml": "max_score: 5\n"}, ["not allowed in sample"]),
        ({"data/secret/g1/test_group.yaml": "max_score: [\n"}, ["test_group.yaml", "YAML"]),
    ],
)  # fmt: skip
def test_broken_scoring_packages_name_file_and_rule(
    tmp_path: Path, extra: dict[str, str], named: list[str]
) -> None:
    with pytest.raises(ProblemPackageError) as error:
        load_problem(scoring_package(tmp_path / "s", extra))
    for part in named:
        assert part in error.value.message
    assert "\n" not in error.value.message


def test_legacy_grading_sums_accept_scores(tmp_path: Path) -> None:
    package = write(
        tmp_path / "legacy",
        {
            "problem.yaml": "type: scoring\nvalidation: default\n",
            "data/testdata.yaml": "on_reject: continue\n",
            "data/secret/a/testdata.yaml": "accept_score: 3\n",
            "data/secret/a/1.in": "", "data/secret/a/1.ans": "",
            "data/secret/a/2.in": "", "data/secret/a/2.ans": "",
            "data/secret/b/testdata.yaml": "accept_score: 5\ngrader_flags: min\n",
            "data/secret/b/1.in": "", "data/secret/b/1.ans": "",
        },
    )  # fmt: skip
    problem = load_problem(package)
    assert problem.scoring and problem.format_version == "legacy"
    board, events, _ = run(problem, [AC, WA, AC])
    assert [(e.name, e.score) for e in events] == [
        ("secret/a", 3.0), ("secret/b", 5.0), ("secret", 8.0),
    ]  # fmt: skip
    assert board.total() == (8.0, None)


def test_2023_07_testdata_yaml_with_legacy_grading_keys(tmp_path: Path) -> None:
    # problemtools' 2023-07-draft `oddecho` example grades with range/accept_score/
    # grader_flags; it was refused ("needs a max_score"), then scored WA instead of AC 50
    # (accept_if_any_accepted and ignore_sample were not read).
    package = write(
        tmp_path / "odd",
        {
            "problem.yaml": "problem_format_version: 2023-07-draft\ntype: scoring\nname: O\n",
            "data/testdata.yaml": "range: 0 100\ngrader_flags: ignore_sample\n",
            "data/sample/1.in": "", "data/sample/1.ans": "",
            "data/secret/testdata.yaml": (
                "range: 0 100\non_reject: continue\n"
                "grader_flags: first_error accept_if_any_accepted\n"
            ),
            "data/secret/a/testdata.yaml": "on_reject: break\naccept_score: 40\nrange: 0 40\n"
                                           "grader_flags: min\n",
            "data/secret/a/1.in": "", "data/secret/a/1.ans": "",
            "data/secret/b/testdata.yaml": "on_reject: break\naccept_score: 60\nrange: 0 60\n"
                                           "grader_flags: min\n",
            "data/secret/b/1.in": "", "data/secret/b/1.ans": "",
        },
    )  # fmt: skip
    problem = load_problem(package)
    assert problem.grading_ignores_sample
    board, events, _ = run(problem, [WA, AC, Verdict.TLE])
    assert [(e.name, e.verdict, e.score) for e in events] == [
        ("sample", WA, None), ("secret/a", AC, 40.0), ("secret/b", Verdict.TLE, 0.0),
        ("secret", AC, 40.0),
    ]  # fmt: skip
    assert board.verdict() is AC  # the sample is ignored, one group accepted is enough
    assert board.total() == (40.0, 100.0)
    # without accept_if_any_accepted: the worst error of the groups
    strict = tmp_path / "odd/data/secret/testdata.yaml"
    strict.write_text("range: 0 100\non_reject: continue\n")
    board, _, _ = run(load_problem(package), [AC, AC, Verdict.TLE])
    assert board.verdict() is Verdict.TLE


def test_2025_09_verdicts_stay_those_of_the_cases(tmp_path: Path) -> None:
    problem = load_problem(scoring_package(tmp_path / "s"))
    board, _, _ = run(problem, [AC, AC, AC, WA, AC])
    assert board.verdict() is None
