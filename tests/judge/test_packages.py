"""The test packages under tests/data/packages, each judged in the real sandbox.

One package per feature: scoring with test groups (score files, require_pass, group
args), an output validator of several C++ files with a header, a validator built by
a `build` script, legacy testdata.yaml flags inherited and overridden per group.
Every submission gets what its folder promises.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge
from judgebox.problems.library import submissions
from judgebox.problems.package import Problem, load_problem
from judgebox.vocabulary.events import CaseResultEvent, CompleteEvent, Event, GroupResultEvent
from judgebox.vocabulary.verdicts import Verdict

from .conftest import collect

pytestmark = pytest.mark.anyio
PACKAGES = Path(__file__).resolve().parents[1] / "data" / "packages"


def copy_package(name: str, shared_tmp: Path) -> Problem:
    """The package copied where box uids can read it."""
    target = shared_tmp / "packages" / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(PACKAGES / name, target)
    for path in [target.parent, target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return load_problem(target)


async def judge_file(judge: Judge, problem: Problem, path: Path) -> list[Event]:
    return await collect(judge, problem, "python3", path.read_text())


def complete(events: list[Event]) -> CompleteEvent:
    last = events[-1]
    assert isinstance(last, CompleteEvent)
    return last


@pytest.mark.parametrize(
    "name",
    [
        "scoringgroups",
        "validatorprogram",
        "validatorscripts",
        "legacytestdata",
        "multipass",
        "interactivemultipass",
    ],
)
async def test_every_submission_gets_what_its_folder_promises(
    judge: Judge, shared_tmp: Path, name: str
) -> None:
    problem = copy_package(name, shared_tmp)
    found = submissions(problem)
    assert found
    for expected, path in found:
        summary = complete(await judge_file(judge, problem, path)).summary
        assert summary.status.value == "finished", path
        if path.parent.name == "partially_accepted":
            assert summary.score is not None and summary.max_score is not None
            assert 0 < summary.score < summary.max_score, path
            continue
        assert summary.verdict is expected, (path, summary)
        if problem.scoring and expected is Verdict.AC:
            assert summary.score == summary.max_score


async def test_scoring_groups_stream_scores_and_skips(judge: Judge, shared_tmp: Path) -> None:
    problem = copy_package("scoringgroups", shared_tmp)
    folder = problem.path / "submissions"
    events = await judge_file(judge, problem, folder / "partially_accepted/off_by_one_when_hard.py")
    groups = [(e.result.name, e.result.score) for e in events if isinstance(e, GroupResultEvent)]
    assert groups == [
        ("sample", None), ("secret/1_easy", 40.0), ("secret/2_hard", 30.0), ("secret", 70.0),
    ]  # fmt: skip
    cases = [e.result for e in events if isinstance(e, CaseResultEvent)]
    assert [c.score for c in cases] == [None, None, None, 15.0, 15.0]
    # a group-result comes right after the case that decides it
    names = [e.name for e in events]
    assert names[names.index("group-result") - 1] == "case-result"
    assert (complete(events).summary.score, complete(events).summary.max_score) == (70.0, 100.0)

    events = await judge_file(judge, problem, folder / "wrong_answer/off_by_one_when_easy.py")
    cases = [e.result for e in events if isinstance(e, CaseResultEvent)]
    assert [c.verdict for c in cases] == [Verdict.WA, Verdict.WA, Verdict.WA,
                                          Verdict.SKIPPED, Verdict.SKIPPED]  # fmt: skip
    assert complete(events).summary.score == 0.0


async def test_a_pass_fail_run_keeps_its_shape(judge: Judge, shared_tmp: Path) -> None:
    problem = copy_package("validatorprogram", shared_tmp)
    events = await judge_file(judge, problem, problem.path / "submissions/accepted/sum.py")
    assert not any(isinstance(e, GroupResultEvent) for e in events)
    assert "score" not in complete(events).to_wire()
    assert all("score" not in e.to_wire() for e in events if isinstance(e, CaseResultEvent))


async def test_multi_pass_runs_until_the_validator_stops(judge: Judge, shared_tmp: Path) -> None:
    problem = copy_package("multipass", shared_tmp)
    assert problem.multi_pass and problem.validation_passes == 4
    accepted = problem.path / "submissions/accepted/minus_one.py"
    results = [e.result for e in await judge_file(judge, problem, accepted)
               if isinstance(e, CaseResultEvent)]  # fmt: skip
    assert [r.verdict for r in results] == [Verdict.AC] * 3
    # secret/1 needs 4 passes (4, 3, 2, 1): one fewer allowed is the package's error
    yaml = problem.path / "problem.yaml"
    yaml.write_text(yaml.read_text().replace("validation_passes: 4", "validation_passes: 3"))
    fewer = load_problem(problem.path)
    results = [e.result for e in await judge_file(judge, fewer, accepted)
               if isinstance(e, CaseResultEvent)]  # fmt: skip
    assert [r.verdict for r in results] == [Verdict.AC, Verdict.IE, Verdict.AC]
    assert "more than validation_passes (3)" in results[1].feedback


async def test_submit_answer_files_are_judged_per_case_without_a_program(
    judge: Judge, shared_tmp: Path
) -> None:
    from judgebox.judging.judge import Submission

    problem = copy_package("submitanswer", shared_tmp)
    files = (("1.out", "-7\n"), ("secret.2.out", "11\n"), ("stray.txt", "12\n"))
    events = [e async for e in judge.run(Submission(problem, "answer", "", files=files))]
    cases = [e.result for e in events if isinstance(e, CaseResultEvent)]
    assert [(c.name, c.verdict) for c in cases] == [("secret/1", Verdict.AC),
                                                    ("secret/2", Verdict.WA)]  # fmt: skip
    # the output validator judged it, its message stays with the operator (secret case)
    assert "output validator" in cases[1].feedback and "11" not in cases[1].feedback
    assert complete(events).summary.verdict is Verdict.WA


async def test_submit_answer_and_program_languages_do_not_mix(
    judge: Judge, shared_tmp: Path
) -> None:
    from judgebox.judging.judge import Submission
    from judgebox.vocabulary.errors import UnknownLanguageError

    answers = copy_package("submitanswersingle", shared_tmp)
    with pytest.raises(UnknownLanguageError, match='language "answer"'):
        await collect(judge, answers, "python3", "print(42)\n")
    programs = copy_package("validatorscripts", shared_tmp)
    with pytest.raises(UnknownLanguageError, match="takes a program"):
        [e async for e in judge.run(Submission(programs, "answer", "42\n"))]
    events = await collect(judge, answers, "answer", "42\n")  # one answer: the one case
    assert complete(events).summary.verdict is Verdict.AC
