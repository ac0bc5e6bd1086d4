"""`run` and `verify` command lines are parsed without typer (issue 17: its import was a third
of the CLI's own start-up) exactly as typer parses them, and everything else goes to typer."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from judgebox import cli

ACCEPTED = [
    ["run", "aplusb", "a.py"],
    ["run", "aplusb", "a.py", "--json"],
    ["run", "--json", "aplusb", "--language", "cpp", "a.cpp", "--stop-on-first-failure"],
    ["run", "aplusb", "dir", "--language=python3", "--parallelism", "3", "--insecure"],
    ["run", "aplusb", "a.py", "--parallelism=1", "--no-insecure", "--no-stop-on-first-failure"],
    ["run", "aplusb", "a.py", "--input", "-", "--input", "x.txt", "--input=y.txt"],
    [
        "run",
        "aplusb",
        "a.py",
        "--insecure",
        "--no-insecure",
        "--parallelism",
        "2",
        "--parallelism=4",
    ],
    ["run", "aplusb", "--", "-odd-name.py"],
    ["run", "-", "a.py"],
    ["verify", "pkg"],
    ["verify", "pkg", "--json", "--parallelism", " 2", "--insecure"],
    ["verify", "--json", "--", "pkg"],
]
LEFT_TO_TYPER = [
    [],
    ["--help"],
    ["--version"],
    ["languages"],
    ["run"],
    ["run", "aplusb"],
    ["run", "aplusb", "a.py", "extra"],
    ["run", "aplusb", "a.py", "--help"],
    ["run", "aplusb", "a.py", "--bogus"],
    ["run", "aplusb", "a.py", "--lang", "cpp"],  # an abbreviation
    ["run", "aplusb", "a.py", "--language"],
    ["run", "aplusb", "a.py", "--language", "--json"],
    ["run", "aplusb", "a.py", "--parallelism", "two"],
    ["run", "aplusb", "a.py", "--json=yes"],
    ["run", "aplusb", "a.py", "-j"],
    ["verify"],
    ["verify", "pkg", "--input", "x"],
]


def _capture(command: Any, into: dict[str, Any]) -> Any:
    @functools.wraps(command)
    def capture(**values: Any) -> None:
        into.update(values)

    return capture


def _typer_values(argv: list[str]) -> dict[str, Any]:
    """What typer passes to the command for `argv` (the real declarations, captured)."""
    got: dict[str, Any] = {}
    cli._typer_app()  # binds `typer` for the declarations' annotations, as main() does
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command(name="run")(_capture(cli.run, got))
    app.command(name="verify")(_capture(cli.verify, got))
    app(args=argv, standalone_mode=False)
    return got


@pytest.mark.parametrize("name", ["run", "verify"])
def test_the_fast_table_is_typers_declaration(name: str) -> None:
    # The flags and arguments the fast path knows are exactly those of the command's
    # signature: a flag added, renamed or removed there must change the table too (an
    # unknown one would only go to typer; a stale one would accept what typer refuses).
    # (typer's own click types: their kind is read from param_type_name)
    group: Any = typer.main.get_command(cli._typer_app())
    params = group.commands[name].params
    flags = {
        flag: param.name
        for param in params
        if param.param_type_name == "option" and param.name != "help"
        for flag in (*param.opts, *param.secondary_opts)
    }
    assert {flag: p for flag, (p, _) in cli._FAST_OPTIONS[name].items()} == flags
    arguments = [p.name for p in params if p.param_type_name == "argument"]
    assert [a for a, _ in cli._FAST_ARGUMENTS[name]] == arguments


@pytest.mark.parametrize("argv", ACCEPTED, ids=" ".join)
def test_fast_parse_gives_what_typer_gives(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    got: dict[str, Any] = {}
    monkeypatch.setattr(cli, argv[0], _capture(getattr(cli, argv[0]), got))
    command = cli._fast_command(argv)
    assert command is not None
    command()
    expected = _typer_values(argv)
    # typer passes every parameter; the fast path only those given (the rest: defaults)
    defaults = {k: v for k, v in expected.items() if k not in got}
    assert {**defaults, **got} == expected
    assert all(value in (None, False) for value in defaults.values()), defaults


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=lambda a: " ".join(a) or "(none)")
def test_anything_else_goes_to_typer(argv: list[str]) -> None:
    assert cli._fast_command(argv) is None


def _imported_by(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "judgebox.cli", *args],
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    names = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    return out, {name.split(".")[0] for name in names} | names


def test_run_loads_no_typer(tmp_path: Path) -> None:
    # a usage error of `run` found after parsing (a missing source): typer never imported
    out, imported = _imported_by("run", "aplusb", str(tmp_path / "missing.py"), "--json")
    assert out.returncode == 2
    assert "judgebox: no such file or directory" in out.stderr
    assert "judgebox.vocabulary.errors" in imported and "typer" not in imported
    # the same with an option typer must explain: typer's message, typer imported
    out, imported = _imported_by("run", "aplusb", str(tmp_path / "missing.py"), "--jsn")
    assert out.returncode == 2 and "No such option" in out.stderr
    assert "typer" in imported
