"""Entry points of submissions (Kattis rules), file-name checks, aliases, package names."""

from __future__ import annotations

import pytest

from judgebox.languages.entry_points import (
    EntryPointError,
    check_file_names,
    entry_point,
    submission_files,
)
from judgebox.languages.source_names import declares_main_function, package_name
from judgebox.languages.table import load_languages, resolve_language_id
from judgebox.vocabulary.limits import Limits

LANGUAGES = load_languages()
MAIN = "public class Main { public static void main(String[] a) { Helper.go(); } }\n"


def test_java_package_gives_a_qualified_main_class() -> None:
    java = LANGUAGES["java"]
    code = "package contest.sol;\nimport java.util.*;\n" + MAIN
    files = submission_files(java, code)
    assert list(files) == ["Main.java"]
    entry = entry_point(java, files)
    assert (entry.file, entry.main) == ("Main.java", "contest.sol.Main")
    assert java.run_argv(entry.file, Limits(), main=entry.main)[-1] == "contest.sol.Main"


def test_java_several_files_compile_together_and_run_the_one_with_main() -> None:
    java = LANGUAGES["java"]
    files = {"Helper.java": "class Helper { static void go() {} }\n", "Solver.java": MAIN}
    entry = entry_point(java, files)
    assert (entry.file, entry.main, entry.sources) == (
        "Solver.java", "Main", ("Helper.java", "Solver.java"),
    )  # fmt: skip
    argv = java.compile_argv(entry.file, Limits(), sources=entry.sources, main=entry.main)
    assert argv is not None and argv[-2:] == ["Helper.java", "Solver.java"]


def test_kotlin_entry_is_the_file_with_fun_main() -> None:
    kotlin = LANGUAGES["kotlin"]
    files = {
        "util.kt": "package p\nfun twice(x: Int) = 2 * x\n",
        "solve.kt": "package p\n// fun main( in a comment\nfun main() { println(twice(1)) }\n",
    }
    entry = entry_point(kotlin, files)
    assert (entry.file, entry.main) == ("solve.kt", "p.SolveKt")
    assert declares_main_function(files["solve.kt"]) and not declares_main_function(
        files["util.kt"]
    )


@pytest.mark.parametrize(
    ("names", "entry"),
    [
        (["solution.py"], "solution.py"),
        (["helper.py", "__main__.py"], "__main__.py"),
        (["helper.py", "main.py"], "main.py"),
        (["helper.py", "main.py", "data.txt"], "main.py"),
    ],
)
def test_python_entry_point(names: list[str], entry: str) -> None:
    files = {name: "print(1)\n" for name in names}
    assert entry_point(LANGUAGES["python3"], files).file == entry


def test_several_sources_without_an_entry_say_what_to_name_it() -> None:
    with pytest.raises(EntryPointError, match=r"main\.py"):
        entry_point(LANGUAGES["python3"], {"a.py": "", "b.py": ""})
    with pytest.raises(EntryPointError, match="is a Python 3 source"):
        entry_point(LANGUAGES["python3"], {"notes.txt": ""})


@pytest.mark.parametrize("name", ["../x.py", "a/b.py", ".hidden.py", "", "x" * 101, "a b.py"])
def test_file_names_are_flat_and_portable(name: str) -> None:
    with pytest.raises(EntryPointError):
        check_file_names([name])


def test_package_name_ignores_comments_and_needs_to_come_first() -> None:
    assert package_name("// package fake;\npackage a.b;\nclass X {}") == "a.b"
    assert package_name('class X { String s = "package y;"; }') is None


def test_old_ids_and_aliases_resolve() -> None:
    for old in ("c", "cpp", "python3", "java", "javascript", "rust", "pypy3", "go", "csharp"):
        assert resolve_language_id(old, LANGUAGES) == old
    assert resolve_language_id("python", LANGUAGES) == "python3"
    assert resolve_language_id("ts", LANGUAGES) == "typescript"


def test_every_language_names_its_debian_packages() -> None:
    assert [lid for lid, lang in LANGUAGES.items() if not lang.packages] == []


def test_languages_without_an_entry_point_take_every_source() -> None:
    # problemtools' `different` example: accepted/prolog/ (different.pl consults
    # kattio.pl) was a CE "name it main.pl"; so was a C folder without main.c. The
    # languages appendix names no entry point for either.
    c = entry_point(LANGUAGES["c"], {"sol.c": "int main(){}", "util.c": "", "util.h": ""})
    assert c.sources == ("sol.c", "util.c")
    prolog = {"different.pl": "[kattio].\n\nmain :-\n    halt.\n", "kattio.pl": "read_int(_).\n"}
    assert entry_point(LANGUAGES["prolog"], prolog).file == "different.pl"
    # Kattis loads every Prolog file: all of them are run, whichever defines main/0.
    both = entry_point(LANGUAGES["prolog"], {"a.pl": "x.\n", "b.pl": "y.\n"})
    assert both.sources == ("a.pl", "b.pl")
    argv = LANGUAGES["prolog"].run_argv(both.file, Limits(), sources=both.sources)
    assert argv[-2:] == ["a.pl", "b.pl"]
