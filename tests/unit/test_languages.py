"""The language table: loading, validation, rendering, naming, real compile+run per language.

The compile/run tests execute the rendered commands unsandboxed in a temporary directory
(the sandbox is another layer), with the sandbox's environment and cwd.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from judgebox.languages.table import (
    Language,
    language_for_file,
    load_languages,
    render_command,
    source_file_name,
)
from judgebox.languages.toolchains import available_languages
from judgebox.vocabulary.errors import LanguageTableError, UnknownLanguageError
from judgebox.vocabulary.limits import Limits

LANGUAGES = load_languages()
# The first nine languages, also run unsandboxed here; every language of the table runs in
# the sandbox in tests/languages/test_battery.py.
PRESENT = sorted(
    set(available_languages(LANGUAGES))
    & {"c", "cpp", "python3", "pypy3", "java", "javascript", "rust", "go", "csharp"}
)
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
LIMITS = Limits(memory=256 * 1024**2)

A_PLUS_B = {
    "c": '#include <stdio.h>\nint main(void){long a,b;scanf("%ld %ld",&a,&b);'
    'printf("%ld\\n",a+b);return 0;}\n',
    "cpp": "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n",
    "python3": "a, b = map(int, input().split())\nprint(a + b)\n",
    "pypy3": "a, b = map(int, input().split())\nprint(a + b)\n",
    "java": "import java.util.*;\n// public class NotThis {}\n"
    "public class Solution {\n  public static void main(String[] x) {\n"
    "    Scanner s = new Scanner(System.in);\n"
    "    System.out.println(s.nextLong() + s.nextLong());\n  }\n}\n",
    "javascript": "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/)"
    ".map(Number);\nconsole.log(a + b);\n",
    "rust": "use std::io::Read;\nfn main() { let mut s = String::new();\n"
    "std::io::stdin().read_to_string(&mut s).unwrap();\n"
    "let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();\n"
    'println!("{}", v[0] + v[1]); }\n',
    "go": 'package main\nimport "fmt"\nfunc main() { var a, b int64\n'
    "fmt.Scan(&a, &b)\nfmt.Println(a + b) }\n",
    "csharp": "using System;\nclass P { static void Main() {\n"
    "var p = Console.ReadLine().Split(' ');\n"
    "Console.WriteLine(long.Parse(p[0]) + long.Parse(p[1])); } }\n",
}

SYNTAX_ERROR = {
    "c": "int main(void) { return 0 }\n",
    "cpp": "int main() { return 0 }\n",
    "python3": "print(\n",
    "pypy3": "print(\n",
    "java": "public class Main { public static void main(String[] a) { int x = } }\n",
    "javascript": "console.log(;\n",
    "rust": "fn main() { let x = ; }\n",
    "go": "package main\nfunc main() { x := }\n",
    "csharp": "class P { static void Main() { int x = } }\n",
}


def compile_in(
    directory: Path, language: Language, code: str
) -> tuple[str, subprocess.CompletedProcess[str] | None]:
    """Write the source under its proper name and run the compile command there."""
    file = source_file_name(language, code)
    (directory / file).write_text(code)
    argv = language.compile_argv(file, LIMITS)
    if argv is None:
        return file, None
    done = subprocess.run(
        argv, cwd=directory, env=ENV, capture_output=True, text=True, timeout=120, check=False
    )
    return file, done


@pytest.mark.parametrize("language_id", PRESENT)
def test_present_language_compiles_and_runs_a_plus_b(tmp_path: Path, language_id: str) -> None:
    language = LANGUAGES[language_id]
    file, compiled = compile_in(tmp_path, language, A_PLUS_B[language_id])
    assert compiled is None or compiled.returncode == 0, compiled.stderr if compiled else ""
    files_after_compile = sorted(p.name for p in tmp_path.rglob("*"))
    run = subprocess.run(
        language.run_argv(file, LIMITS),
        cwd=tmp_path,
        env=ENV,
        input="1000000000000 2\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "1000000000002\n", "")
    # the run directory is read-only in the sandbox: the run must not write there
    assert sorted(p.name for p in tmp_path.rglob("*")) == files_after_compile


@pytest.mark.parametrize(
    "language_id", [lid for lid in PRESENT if LANGUAGES[lid].compile is not None]
)
def test_syntax_error_fails_the_compile_step_with_a_message(
    tmp_path: Path, language_id: str
) -> None:
    _, compiled = compile_in(tmp_path, LANGUAGES[language_id], SYNTAX_ERROR[language_id])
    assert compiled is not None
    assert compiled.returncode != 0
    message = (compiled.stdout + compiled.stderr).lower()
    assert "error" in message
    assert "main" in message or "solution" in message  # names the file


def test_table_has_the_fixed_ids_with_their_source_files() -> None:
    expected = {
        "c": "main.c",
        "cpp": "main.cpp",
        "python3": "main.py",
        "java": "Main.java",
        "javascript": "main.js",
        "rust": "main.rs",
    }
    assert {lid: LANGUAGES[lid].source_file for lid in expected} == expected
    assert set(LANGUAGES) >= set(expected) | {"pypy3", "go", "csharp"}
    assert not LANGUAGES["python3"].compiled and LANGUAGES["python3"].compile is not None
    assert LANGUAGES["c"].compiled and LANGUAGES["java"].compiled


def test_every_tool_is_an_absolute_path_under_usr() -> None:
    for language in LANGUAGES.values():
        for argv in (language.compile, language.run, language.version):
            if argv is None:
                assert language.compile is None  # the only optional command
            elif argv[0].startswith("/"):
                assert argv[0].startswith("/usr/"), (language.id, argv)
            else:
                assert argv is not None and argv[0] == "./main", (language.id, argv)


@pytest.mark.parametrize(
    ("path", "language_id"),
    [
        ("a.c", "c"),
        ("sol.CPP", "cpp"),
        ("x.cc", "cpp"),
        ("x.cxx", "cpp"),
        ("x.c++", "cpp"),
        ("dir/prog.py", "python3"),
        ("Main.java", "java"),
        ("a.js", "javascript"),
        ("a.mjs", "javascript"),
        ("a.rs", "rust"),
        ("a.go", "go"),
        ("a.cs", "csharp"),
    ],
)
def test_language_is_inferred_from_the_extension(path: str, language_id: str) -> None:
    assert language_for_file(path, LANGUAGES).id == language_id


@pytest.mark.parametrize("path", ["notes.txt", "Makefile"])
def test_unknown_extension_lists_the_known_ones(path: str) -> None:
    with pytest.raises(UnknownLanguageError, match=r"known extensions: .*\.cpp.*\.py"):
        language_for_file(path, LANGUAGES)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("public class Main { }", "Main.java"),
        ("import java.io.*;\n\npublic final class Solver {\n}\n", "Solver.java"),
        ("class Helper {}\npublic class A_1$ { class Inner {} }", "A_1$.java"),
        ("class Main { public static void main(String[] a) {} }", "Main.java"),
        ("/*\npublic class Wrong {}\n*/\npublic class Right {}", "Right.java"),
        ('// public class Wrong\nclass X { String s = "\\npublic class No"; }', "Main.java"),
        ("public record Point(int x) {}", "Point.java"),
    ],
)
def test_java_source_is_named_after_its_public_class(code: str, expected: str) -> None:
    assert source_file_name(LANGUAGES["java"], code) == expected


def test_languages_without_a_naming_rule_use_the_table_name() -> None:
    assert source_file_name(LANGUAGES["c"], "public class Foo {}") == "main.c"


def test_render_command_fills_placeholders_and_keeps_literal_braces() -> None:
    assert render_command(["-Xmx{heap_mb}m", "{stem}", "{{x}}"], heap_mb=64, stem="A") == [
        "-Xmx64m",
        "A",
        "{x}",
    ]


def test_render_command_rejects_unknown_and_missing_placeholders() -> None:
    with pytest.raises(LanguageTableError, match=r"unknown placeholder.*filename"):
        render_command(["{filename}"], file="main.c")
    with pytest.raises(LanguageTableError, match="needs a value for stem"):
        render_command(["{stem}"], file="main.c")
    with pytest.raises(LanguageTableError, match="unbalanced brace"):
        render_command(["{file"], file="main.c")


def test_java_run_command_and_limits_follow_the_memory_limit() -> None:
    java = LANGUAGES["java"]
    limits = Limits(memory=512 * 1024**2, processes=10)
    argv = java.run_argv("Solution.java", limits)
    assert "-Xmx512m" in argv and argv[-1] == "Solution"
    adjusted = java.run_limits(limits)
    assert adjusted.memory == limits.memory + java.extra_memory > limits.memory
    assert adjusted.processes == 10 + java.extra_processes > 10
    assert adjusted.cpu_time == limits.cpu_time
    assert LANGUAGES["c"].run_limits(limits) == limits


def test_compile_limits_come_from_defaults_and_overrides() -> None:
    assert LANGUAGES["cpp"].compile_limits.memory == 1024**3
    assert LANGUAGES["cpp"].compile_limits.cpu_time == 30.0
    assert LANGUAGES["python3"].compile_limits.memory == 256 * 1024**2


TABLE = """
[defaults]
extra_memory = "0m"
extra_processes = 0
compile_time = "10s"
compile_memory = "512m"
compile_processes = 32
memory_error_markers = []

[languages.toy]
name = "Toy"
compiled = true
source_file = "main.toy"
extensions = [".toy"]
compile = ["/usr/bin/toyc", "{file}"]
run = ["./main"]
version = ["/usr/bin/toyc", "--version"]
"""


def write_table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "languages.toml"
    path.write_text(text)
    return path


def test_a_minimal_table_loads_with_defaults(tmp_path: Path) -> None:
    toy = load_languages(write_table(tmp_path, TABLE))["toy"]
    assert toy.compile_time == 10.0 and toy.compile_memory == 512 * 1024**2
    assert toy.compile_argv("main.toy", LIMITS) == ["/usr/bin/toyc", "main.toy"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "Toy"\n', ""), r"missing key\(s\) name"),
        (("compiled = true\n", "compiled = true\ncompiler = 1\n"), r"unknown key\(s\) compiler"),
        (('"{file}"]', '"{source}"]'), r"compile uses unknown placeholder\(s\) source"),
        (("compiled = true", 'compiled = "yes"'), "compiled must be true or false"),
        (('extensions = [".toy"]', 'extensions = ["toy"]'), "extensions look like"),
        (('run = ["./main"]', "run = []"), "run must be a non-empty argv"),
        (("[languages.toy]", "[languages.Toy]"), "an id is lower-case"),
        (('"10s"', '"soon"'), "compile_time must be a duration"),
        (('"512m"', "true"), "compile_memory must be a size"),
        (("compiled = true\n", "compiled = true\nversion_pattern = 'v'\n"), "with a group 1"),
        (("compiled = true\n", "compiled = true\nsource_name = 'cobol'\n"), "one of java"),
        (('compile_time = "10s"\n', ""), r"missing key\(s\) compile_time"),
        (("[defaults]", "[language.c]\n[defaults]"), r"unknown top-level table\(s\) language"),
    ],
)
def test_broken_tables_are_rejected_with_the_reason(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in TABLE
    with pytest.raises(LanguageTableError, match=message):
        load_languages(write_table(tmp_path, TABLE.replace(old, new, 1)))


def test_an_extension_claimed_twice_is_rejected(tmp_path: Path) -> None:
    twice = TABLE + "\n[languages.toy2]" + TABLE.split("[languages.toy]")[1]
    with pytest.raises(LanguageTableError, match=r"\.toy is claimed by both toy and toy2"):
        load_languages(write_table(tmp_path, twice))


def test_unreadable_or_invalid_tables_say_so(tmp_path: Path) -> None:
    with pytest.raises(LanguageTableError, match="cannot read language table"):
        load_languages(tmp_path / "absent.toml")
    with pytest.raises(LanguageTableError, match="not valid TOML"):
        load_languages(write_table(tmp_path, "[languages\n"))
    with pytest.raises(LanguageTableError, match=r"at least one \[languages"):
        load_languages(write_table(tmp_path, "[defaults]\n"))
