"""Submissions through the real judge and sandbox: Java packages, several files, a missing
toolchain (422 naming the Debian package), and the CLI's directory argument."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_fixtures import sandbox_fixtures

from judgebox.judging.judge import Judge, Submission
from judgebox.languages.table import load_languages
from judgebox.problems.package import Problem, inline_problem
from judgebox.sandbox import Sandbox, SandboxConfig
from judgebox.settings import Settings
from judgebox.vocabulary.errors import ToolchainUnavailableError, UnknownLanguageError
from judgebox.vocabulary.events import CompileEvent, CompleteEvent, Event
from judgebox.vocabulary.verdicts import Verdict

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


shared_tmp, sandbox = sandbox_fixtures("judgebox-submissions-", uid_base=61550, scope="module")


@pytest.fixture(scope="module")
def judge(shared_tmp: Path, sandbox: Sandbox) -> Judge:
    return Judge(Settings(cache_dir=shared_tmp / "cache", parallelism=1), sandbox)


@pytest.fixture(scope="module")
def aplusb(shared_tmp: Path) -> Problem:
    directory = shared_tmp / "aplusb"
    problem = inline_problem([{"input": "1 2\n", "answer": "3\n"}], directory)
    for path in [directory, *directory.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return problem


async def verdict(judge: Judge, sub: Submission) -> tuple[Verdict, str]:
    events: list[Event] = [event async for event in judge.run(sub)]
    compiled = next(e for e in events if isinstance(e, CompileEvent))
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    return complete.summary.verdict, compiled.result.output


JAVA = (
    "package a.b;\nimport java.util.Scanner;\n// public class Decoy {}\n"
    "public class Solution { public static void main(String[] x) {\n"
    "  Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }\n"
)


@pytest.mark.anyio
async def test_java_with_a_package_declaration_is_accepted(judge: Judge, aplusb: Problem) -> None:
    # It was an RTE: javac -d . put the class in a/b/, and `java Solution` found nothing.
    assert await verdict(judge, Submission(aplusb, "java", JAVA)) == (Verdict.AC, "")


@pytest.mark.anyio
async def test_several_c_files_are_compiled_together(judge: Judge, aplusb: Problem) -> None:
    files = (
        ("add.c", '#include "add.h"\nlong add(long a, long b) { return a + b; }\n'),
        ("add.h", "long add(long a, long b);\n"),
        ("main.c", '#include <stdio.h>\n#include "add.h"\n'
                   'int main(void) { long a, b; scanf("%ld %ld", &a, &b);'
                   ' printf("%ld\\n", add(a, b)); return 0; }\n'),
    )  # fmt: skip
    got, _ = await verdict(judge, Submission(aplusb, "c", "", files=files))
    assert got is Verdict.AC


@pytest.mark.anyio
async def test_files_without_an_entry_point_are_a_ce_saying_what_to_name(
    judge: Judge, aplusb: Problem
) -> None:
    files = (("a.py", "print(3)\n"), ("b.py", "print(4)\n"))
    got, message = await verdict(judge, Submission(aplusb, "python3", "", files=files))
    assert got is Verdict.CE and "main.py" in message


def test_a_missing_toolchain_names_its_debian_package(shared_tmp: Path) -> None:
    table = shared_tmp / "table.toml"
    bundled = (REPO / "src/judgebox/languages/languages.toml").read_text()
    table.write_text(bundled.replace("/usr/bin/ruby", "/usr/bin/ruby-not-installed"))
    sandbox = Sandbox.open(SandboxConfig(work_root=shared_tmp / "work2", uid_base=61560))
    try:
        judge = Judge(Settings(cache_dir=shared_tmp / "cache2"), sandbox, load_languages(table))
        with pytest.raises(ToolchainUnavailableError, match="Debian package ruby"):
            judge.language("ruby")
        assert judge.missing_languages() == {"ruby": "ruby"}
        with pytest.raises(UnknownLanguageError, match="python3"):
            judge.language("brainfuck")
    finally:
        sandbox.close()


def test_cli_judges_a_directory(shared_tmp: Path) -> None:
    source = shared_tmp / "solution"
    source.mkdir()
    (source / "Main.java").write_text(
        "package p;\npublic class Main { public static void main(String[] a) {\n"
        "  java.util.Scanner s = new java.util.Scanner(System.in);\n"
        "  System.out.println(Util.add(s.nextLong(), s.nextLong())); } }\n"
    )
    (source / "Util.java").write_text(
        "package p;\nclass Util { static long add(long a, long b) { return a + b; } }\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "JUDGEBOX_UID_BASE": "61570",
           "JUDGEBOX_WORK_ROOT": str(shared_tmp / "cliwork"),
           "JUDGEBOX_CACHE_DIR": str(shared_tmp / "clicache")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "judgebox.cli", "run", str(REPO / "problems/aplusb"),
         str(source), "--json"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["summary"]["verdict"] == "AC"


@pytest.mark.anyio
async def test_ocaml_links_the_str_library(judge: Judge, aplusb: Problem) -> None:
    # Kattis links Str (problemtools' `different` example splits with it); it was a CE:
    # "No implementations provided for the following modules: Str".
    if "ocaml" not in judge.toolchains:
        pytest.fail("the OCaml toolchain (ocaml-nox) is not installed")
    code = (
        'let () = match Str.split (Str.regexp " +") (read_line ()) with\n'
        "  | [a; b] -> print_int (int_of_string a + int_of_string b); print_newline ()\n"
        "  | _ -> exit 1\n"
    )
    assert (await verdict(judge, Submission(aplusb, "ocaml", code)))[0] is Verdict.AC


@pytest.mark.anyio
async def test_a_prolog_submission_loads_every_file(judge: Judge, aplusb: Problem) -> None:
    # Kattis loads all files of a Prolog submission: problemtools' `different` example's
    # different.pl calls read_int/1 of kattio.pl without consulting it (its `[kattio].`
    # is a clause). Only the file defining main/0 was loaded: RTE "Unknown procedure".
    if "prolog" not in judge.toolchains:
        pytest.fail("the Prolog toolchain (swi-prolog-nox) is not installed")
    files = (
        ("sol.pl", "main :- read_line_to_string(user_input, S),\n"
                   '    split_string(S, " ", " \\r\\n", [A, B]),\n'
                   "    add_strings(A, B, C), write(C), nl.\n"),
        ("util.pl", "add_strings(A, B, C) :-\n"
                    "    number_string(X, A), number_string(Y, B), C is X + Y.\n"),
    )  # fmt: skip
    got, message = await verdict(judge, Submission(aplusb, "prolog", "", files=files))
    assert got is Verdict.AC, message
