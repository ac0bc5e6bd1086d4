"""A case's `.files` (Kattis 2025-09): in the submission's working directory for that
case only, through the real sandbox (tests/data/packages/casefiles)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge
from judgebox.sandbox import Sandbox
from judgebox.settings import Settings
from judgebox.vocabulary.events import CaseResultEvent, CompleteEvent
from judgebox.vocabulary.verdicts import Verdict

from .conftest import collect
from .test_packages import copy_package

pytestmark = pytest.mark.anyio

CPP = """#include <fstream>
#include <iostream>
#include <string>
int main() {
    std::ifstream config("config.txt"), extra("extra.txt");
    std::string number;
    if (!(config >> number)) number = "none";
    std::cout << number << (extra.good() ? " yes" : " no") << std::endl;
}
"""


async def test_each_case_sees_its_own_files_and_none_of_another(
    settings: Settings, sandbox: Sandbox, shared_tmp: Path
) -> None:
    # One slot: the box that ran secret/1 (config 5 and extra.txt) runs every later case,
    # which must see secret/2's config or nothing, and never extra.txt.
    judge = Judge(dataclasses.replace(settings, parallelism=1), sandbox)
    problem = copy_package("casefiles", shared_tmp)
    assert [c.files_dir is not None for c in problem.cases] == [True, True, True, False, False]
    source = (problem.path / "submissions/accepted/reads_files.py").read_text()
    for language, code in (("python3", source), ("cpp", CPP)):
        events = await collect(judge, problem, language, code)
        cases = {e.result.name: e.result for e in events if isinstance(e, CaseResultEvent)}
        assert {name: r.verdict for name, r in cases.items()} == dict.fromkeys(
            ["sample/1", "secret/1", "secret/2", "secret/3", "secret/4"], Verdict.AC
        ), (language, cases)
        complete = events[-1]
        assert isinstance(complete, CompleteEvent) and complete.summary.verdict is Verdict.AC


async def test_the_files_are_not_in_the_program_folder(judge: Judge, shared_tmp: Path) -> None:
    problem = copy_package("casefiles", shared_tmp)
    code = (problem.path / "submissions/wrong_answer/reads_box.py").read_text()
    events = await collect(judge, problem, "python3", code)
    complete = events[-1]
    assert isinstance(complete, CompleteEvent) and complete.summary.verdict is Verdict.WA
