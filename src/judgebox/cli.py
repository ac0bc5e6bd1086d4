"""The `judgebox` command line (docs/api.md, "Command line"): the same judge, without a server.

Exit status: 0 when the overall verdict is AC (for `verify`: every submission got
its expected verdict), 1 when not, 2 for a usage error, with a one-line reason on
stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

# Start-up is paid by every command (issue 17): this module imports only the standard
# library's cheapest parts. typer is imported only when a command line is not the plain
# `run`/`verify` one that _fast_command parses (help, a usage error, the other commands):
# the commands' typer declarations are their signatures, registered by @_command and
# turned into a typer app by _typer_app(). Each command imports what it needs when it
# runs — the judge, the sandbox, problem loading, asyncio, rich (only to draw), the
# server (fastapi, uvicorn) or the worker (nats) — so `--help`, `languages` and
# `problems` never load the judge, and `run`/`verify` never load the server.
# tests/unit/test_cli_imports.py keeps it so.
if TYPE_CHECKING:
    import typer
    from rich.console import Console
    from rich.table import Table

    from judgebox.judging.judge import Judge, Submission
    from judgebox.languages.table import Language
    from judgebox.problems.package import Problem
    from judgebox.settings import Settings
    from judgebox.vocabulary.events import Event

HELP = "Judge programs against problem datasets inside a real sandbox."
# (function, typer's command() keyword arguments), in the order --help lists them
_COMMANDS: list[tuple[Callable[..., None], dict[str, Any]]] = []
F = TypeVar("F", bound=Callable[..., None])
T = TypeVar("T")

_VERDICT_STYLE = {
    "AC": "bold green", "WA": "bold red", "TLE": "bold yellow", "MLE": "bold magenta",
    "OLE": "bold magenta", "RTE": "bold red", "CE": "bold red", "IE": "bold white on red",
    "SKIPPED": "dim", "RAN": "bold cyan",
}  # fmt: skip


def _command(**options: Any) -> Callable[[F], F]:
    """Register a command of the typer app (built only when typer parses the command line)."""

    def register(function: F) -> F:
        _COMMANDS.append((function, options))
        return function

    return register


def _typer_app() -> typer.Typer:
    """The typer app of every command: --help, usage errors and the commands that are not
    parsed by _fast_command. Imports typer (90 ms of a cold start) only now."""
    import importlib

    # The commands' annotations name `typer` (strings, resolved by typer against this
    # module's globals when it reads them): bind it here, not at import time.
    typer_module = importlib.import_module("typer")
    globals()["typer"] = typer_module
    app: typer.Typer = typer_module.Typer(
        name="judgebox",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_options)
    for function, options in _COMMANDS:
        app.command(**options)(function)
    return app


def _show_version(value: bool) -> None:
    if value:
        from judgebox import __version__

        print(f"judgebox {__version__}")
        raise SystemExit(0)


def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_show_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Judge programs against problem datasets inside a real sandbox."""


def _out(stderr: bool = False) -> Console:
    """A rich console, made on first use (rich is imported only by commands that draw)."""
    from rich.console import Console

    return Console(stderr=stderr)


def usage_error(message: str) -> NoReturn:
    """One line on stderr, exit status 2."""
    one_line = " ".join(message.split())
    print(f"judgebox: {one_line}", file=sys.stderr)
    raise SystemExit(2)


def _run_async(coro: Coroutine[Any, Any, T]) -> T:
    import asyncio

    from judgebox.vocabulary.errors import JudgeboxError

    try:
        return asyncio.run(coro)
    except JudgeboxError as exc:
        usage_error(exc.message)


def _open_judge(settings: Settings) -> Judge:
    from judgebox.judging.judge import Judge
    from judgebox.judging.sandbox_setup import open_sandbox
    from judgebox.vocabulary.errors import JudgeboxError

    try:
        sandbox = open_sandbox(settings)
    except JudgeboxError as exc:
        usage_error(exc.message)
    # One run at a time here: the run's boxes may start while its compiler runs.
    return Judge(settings, sandbox, boxes_during_compile=True)


def _problem(spec: str, settings: Settings) -> Problem:
    from judgebox.problems.library import ProblemLibrary
    from judgebox.problems.package import load_problem
    from judgebox.vocabulary.errors import JudgeboxError

    path = Path(spec)
    try:
        if path.is_dir():
            return load_problem(path, settings.cache_dir)
        return ProblemLibrary(settings.problems_dir, cache_dir=settings.cache_dir).get(spec)
    except JudgeboxError as exc:
        usage_error(exc.message)


def _setup_logging(settings: Settings, quiet: bool) -> None:
    import logging

    level = logging.WARNING if quiet else getattr(logging, settings.log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _style(verdict: str) -> str:
    return _VERDICT_STYLE.get(verdict, "default")  # "[]x[/]" is no markup: never empty


class LiveTable:
    """A rich table of the cases that grows as results arrive."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[dict[str, Any]] = []
        self.compile_line = "compiling…"
        self.footer = ""

    def render(self) -> Table:
        """The current table."""
        from rich.table import Table

        table = Table(title=self.title, caption=self.footer or self.compile_line, expand=False)
        for column in ("#", "case", "verdict", "time", "memory", "feedback"):
            table.add_column(
                column, justify="right" if column in ("#", "time", "memory") else "left"
            )
        for row in self.rows:
            verdict = row["verdict"]
            if "maxScore" in row:  # a test group's line (scoring problems)
                score = "" if row["score"] is None else f"score {row['score']:g}"
                out_of = "" if row["maxScore"] is None else f" / {row['maxScore']:g}"
                table.add_row("", f"[bold]{row['name']}[/]", f"[{_style(verdict)}]{verdict}[/]",
                              "", "", score + (out_of if score else ""))  # fmt: skip
                continue
            table.add_row(
                str(row["index"]), row["name"], f"[{_style(verdict)}]{verdict}[/]",
                f"{row['timeMs']} ms", f"{row['memoryKb'] / 1024:.1f} MiB",
                (row["feedback"] or "").splitlines()[0][:60] if row["feedback"] else "",
            )  # fmt: skip
        return table

    def update(self, event: Event) -> None:
        """Take one event."""
        from judgebox.vocabulary.events import (
            CaseResultEvent,
            CompileEvent,
            CompleteEvent,
            GroupResultEvent,
        )
        from judgebox.vocabulary.verdicts import RunStatus

        if isinstance(event, CompileEvent):
            r = event.result
            cached = " (cached)" if r.cached else ""
            self.compile_line = f"compiled in {r.time_ms} ms{cached}" if r.ok else "compile error"
        elif isinstance(event, CaseResultEvent | GroupResultEvent):
            self.rows.append(event.to_wire())
        elif isinstance(event, CompleteEvent):
            s = event.summary
            if s.status is RunStatus.COMPILE_ERROR:
                self.footer = "CE: compile error (the compiler's messages follow)"
                return
            ran = f", {s.unjudged} ran with no verdict" if s.unjudged else ""
            self.footer = (
                f"{s.verdict}: {s.passed} passed, {s.failed} failed, {s.skipped} skipped"
                f"{ran} ({s.status})"
            )
            if s.score is not None:
                out_of = "" if s.max_score is None else f" / {s.max_score:g}"
                self.footer += f"; score {s.score:g}{out_of}"


async def _judge_events(
    judge: Judge, submission: Submission, on_event: Callable[[Event], None]
) -> list[Event]:
    events: list[Event] = []
    async for event in judge.run(submission):
        events.append(event)
        on_event(event)
    return events


@_command()
def run(
    problem: Annotated[str, typer.Argument(help="A package directory or a problem name.")],
    source: Annotated[
        Path, typer.Argument(help="The program to judge: a file, or a directory of its files.")
    ],
    language: Annotated[
        str | None, typer.Option(help="Language id (default: by extension).")
    ] = None,
    stop_on_first_failure: Annotated[
        bool, typer.Option(help="Skip the rest after a failure.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print only the JSON document.")
    ] = False,
    parallelism: Annotated[int | None, typer.Option(help="Cases run side by side.")] = None,
    insecure: Annotated[bool, typer.Option(help="Accept incomplete isolation.")] = False,
    inputs: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            help="Run on this input instead of the dataset ('-': stdin), judged against the "
            "problem's reference solution; repeatable.",
        ),
    ] = None,
) -> None:
    """Judge a program (one file, or a directory of files) against a problem (or on your own
    --input), with a live table."""
    import json
    import shutil

    from judgebox.judging.judge import Submission, new_run_id
    from judgebox.settings import settings_from_env
    from judgebox.vocabulary.errors import JudgeboxError
    from judgebox.vocabulary.events import CompileEvent, CompleteEvent, run_document
    from judgebox.vocabulary.verdicts import Verdict

    settings = settings_from_env(parallelism=parallelism, insecure=insecure or None)
    _setup_logging(settings, quiet=True)
    if not source.is_file() and not source.is_dir():
        usage_error(f"no such file or directory: {source}")
    prob = _problem(problem, settings)
    custom_inputs = _read_inputs(inputs or [])
    judge = _open_judge(settings)
    inputs_dir: Path | None = None
    try:
        files = _read_sources(source) if source.is_dir() else {}
        if custom_inputs:
            from judgebox.problems.custom import custom_problem

            inputs_dir = judge.sandbox.workspace(f"cli-inputs-{new_run_id()}")
            prob = custom_problem(prob, custom_inputs, inputs_dir)
        if prob.submit_answer and not language:  # the files are answers (judging/answers.py)
            language = "answer"
        lang = judge.language(language) if language else _language_of(source, files, judge)
        judge.language(lang.id)
        try:
            code = "" if files else source.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            usage_error(f"{source} is not UTF-8 text")
        sub = Submission(prob, lang.id, code, stop_on_first_failure=stop_on_first_failure,
                         files=tuple(sorted(files.items())))  # fmt: skip
        if json_output:
            events = _run_async(_judge_events(judge, sub, lambda e: None))
            print(json.dumps(run_document(events), ensure_ascii=False))
        else:
            table = LiveTable(f"{prob.name} · {source.name} · {lang.name}")
            from rich.live import Live

            out = _out()
            with Live(table.render(), console=out, refresh_per_second=12) as live:

                def show(event: Event) -> None:
                    table.update(event)
                    live.update(table.render())

                events = _run_async(_judge_events(judge, sub, show))
            compile_event = next((e for e in events if isinstance(e, CompileEvent)), None)
            if compile_event is not None and not compile_event.result.ok:
                out.print(compile_event.result.output, markup=False, highlight=False)
            if custom_inputs:
                _print_custom_cases(out, events)
    except JudgeboxError as exc:
        usage_error(exc.message)
    finally:
        if inputs_dir is not None:
            shutil.rmtree(inputs_dir, ignore_errors=True)
        judge.sandbox.close()
    _judging_done()
    complete = next((e for e in reversed(events) if isinstance(e, CompleteEvent)), None)
    # RAN (custom input, nothing to judge it against) is no failure: the program ran fine.
    ok = complete is not None and complete.summary.verdict in (Verdict.AC, Verdict.RAN)
    raise SystemExit(0 if ok else 1)


def _judging_done() -> None:
    global _done_judging
    _done_judging = True


def _read_sources(directory: Path) -> dict[str, str]:
    """The regular files directly in `directory` (a multi-file submission), as text."""
    files: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
            try:
                files[path.name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                usage_error(f"{path} is not UTF-8 text")
    if not files:
        usage_error(f"{directory} has no files to judge")
    return files


def _language_of(source: Path, files: dict[str, str], judge: Judge) -> Language:
    """The language of a file by its ending, or of a directory by the first file that has one."""
    from judgebox.languages.table import language_for_file
    from judgebox.vocabulary.errors import JudgeboxError

    if not files:
        return language_for_file(source, judge.languages)
    for name in files:
        try:
            return language_for_file(name, judge.languages)
        except JudgeboxError:
            continue
    return language_for_file(next(iter(files)), judge.languages)  # the error lists the endings


def _read_inputs(specs: list[str]) -> list[dict[str, str]]:
    """The custom cases of `--input FILE` options (`-` reads stdin once)."""
    cases: list[dict[str, str]] = []
    for number, spec in enumerate(specs, start=1):
        if spec == "-":
            data, name = sys.stdin.buffer.read(), "stdin"
        else:
            path = Path(spec)
            if not path.is_file():
                usage_error(f"no such input file: {spec}")
            data, name = path.read_bytes(), path.name
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            usage_error(f"the input {spec} is not UTF-8 text")
        if any(case["name"] == name for case in cases):
            name = f"{name} ({number})"
        cases.append({"name": name, "input": text})
    return cases


def _print_custom_cases(out: Console, events: list[Event]) -> None:
    """Each custom case's output, the reference's, stderr and why an input is outside."""
    from judgebox.vocabulary.events import CaseResultEvent

    for event in events:
        if not isinstance(event, CaseResultEvent):
            continue
        r = event.result
        out.rule(f"{r.index} · {r.name} · {r.verdict}")
        sections = [
            ("input rejected", r.input_rejected),
            ("your output" + (" (truncated)" if r.output_truncated else ""), r.output),
            (f"reference output ({r.reference})" if r.reference else "", r.answer),
            ("stderr", r.stderr),
        ]
        for title, text in sections:
            if title and text:
                out.print(f"[bold]{title}[/]")
                out.print(text.rstrip("\n"), markup=False, highlight=False)


@_command()
def verify(
    package: Annotated[Path, typer.Argument(help="A problem package directory.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
    parallelism: Annotated[int | None, typer.Option(help="Cases run side by side.")] = None,
    insecure: Annotated[bool, typer.Option(help="Accept incomplete isolation.")] = False,
) -> None:
    """Check a package: input validators on every input, then every example submission
    against its expectations (submissions.yaml, directory defaults, @EXPECTED_RESULTS@)."""
    import json

    from judgebox.problems.expectations import example_submissions
    from judgebox.problems.library import expected_outcomes
    from judgebox.settings import settings_from_env

    # verify is the package author's tool: a `message` expectation is checked against the
    # judge messages of secret cases too (spec: judgemessage.txt), so nothing is redacted.
    settings = settings_from_env(parallelism=parallelism, insecure=insecure or None,
                                 reveal_secret=True)  # fmt: skip
    _setup_logging(settings, quiet=True)
    if not package.is_dir():
        usage_error(f"no such package directory: {package}")
    prob = _problem(str(package), settings)
    entries: list[tuple[Path, frozenset[str] | None, str]] = [
        (p, None, "") for p in example_submissions(prob)
    ]
    folder = prob.path / "submissions"
    entries += [  # Polygon's tagged solutions: their stated verdicts
        (path, frozenset(str(v) for v in expected), label)
        for expected, label, path in expected_outcomes(prob)
        if not path.is_relative_to(folder)
    ]
    if not entries:
        usage_error(f"{package}: no submissions/<folder>/ programs to verify")
    judge = _open_judge(settings)
    try:
        report = _run_async(_verify(judge, prob, entries, quiet=json_output))
    finally:
        judge.sandbox.close()
    _judging_done()
    if json_output:
        print(json.dumps(report, ensure_ascii=False))
    raise SystemExit(0 if report["ok"] else 1)


async def _verify(
    judge: Judge,
    prob: Problem,
    entries: list[tuple[Path, frozenset[str] | None, str]],
    *,
    quiet: bool,
) -> dict[str, Any]:
    import dataclasses
    import os
    import tempfile

    from rich.table import Table

    from judgebox.judging.input_validation import validate_inputs
    from judgebox.problems.expectations import check, load_rules

    # The one rule the server and `run` use too: stated, else inferred from the submissions.
    limit = await judge.time_limit(prob)
    how = limit.detail if limit.source == "inferred" else f"from {limit.source}"
    time_limit_note = f"time limit {limit.seconds:g} s ({how})"
    prob = dataclasses.replace(prob, time_limit=limit.seconds)
    if not quiet:
        _out().print(time_limit_note)
    judge.settings.work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="verify-", dir=judge.settings.work_root) as work:
        os.chmod(work, 0o711)  # builds inside are mounted into boxes
        checks = await validate_inputs(
            judge.sandbox, prob, judge.languages, judge.toolchains, Path(work),
            judge.settings.cache_dir, judge.cache_limits, max(1, judge.settings.parallelism),
        )  # fmt: skip
    inputs_ok = all(c.ok for c in checks)
    if not quiet and checks:
        _print_input_checks(checks)
    rules = load_rules(prob)
    rows: list[dict[str, Any]] = []
    table = Table(title=f"verify {prob.name}")
    for column in ("submission", "expected", "got", "max time", "result"):
        table.add_column(column)
    if prob.scoring:
        table.add_column("score")
    for path, stated, label in entries:
        row = await _judge_file(judge, prob, path, rules, stated, label)
        outcome = row.pop("_outcome", None)
        failures = [] if outcome is None else [
            f for f in (check(r, outcome) for r in row.pop("_rules")) if f is not None
        ]  # fmt: skip
        if outcome is None:
            failures = [row.get("error", "not judged")]
        row.pop("_rules", None)
        row["failures"] = failures
        row["ok"] = not failures
        rows.append(row)
        table.add_row(
            row["submission"], row["expected"], f"[{_style(row['got'])}]{row['got']}[/]",
            f"{row['maxTimeMs']} ms",
            "[green]ok[/]" if row["ok"] else "[bold red]MISMATCH[/] " + "; ".join(failures),
            *([_score_text(row)] if prob.scoring else []),
        )  # fmt: skip
    if not quiet:
        _out().print(table)
    ok = inputs_ok and all(r["ok"] for r in rows)
    return {
        "problem": prob.name, "ok": ok, "timeLimit": time_limit_note, "submissions": rows,
        "inputValidation": {
            "ok": inputs_ok,
            "checks": [dataclasses.asdict(c) for c in checks if not c.ok or not c.checked],
            "checked": sum(1 for c in checks if c.checked),
        },
    }  # fmt: skip


def _print_input_checks(checks: list[Any]) -> None:
    from rich.table import Table

    failed = [c for c in checks if not c.ok or not c.checked]
    validators = sorted({c.validator for c in checks})
    cases = sum(1 for c in checks if c.checked)
    if not failed:
        _out().print(f"input validation: {cases} checks by {', '.join(validators)}: all valid")
        return
    table = Table(title="input validation")
    for column in ("validator", "case", "result"):
        table.add_column(column)
    for c in failed:
        word = "[yellow]not checked[/]" if not c.checked else "[bold red]INVALID[/]"
        table.add_row(c.validator, c.case, f"{word} {c.message}")
    _out().print(table)


def _score_text(row: dict[str, Any]) -> str:
    if row.get("score") is None:
        return ""
    top = row.get("maxScore")
    return f"{row['score']:g}" + ("" if top is None else f" / {top:g}")


_FOLDER_VERDICT = {
    "accepted": "AC", "partially_accepted": "AC", "wrong_answer": "WA",
    "time_limit_exceeded": "TLE", "run_time_error": "RTE", "memory_limit_exceeded": "MLE",
    "output_limit_exceeded": "OLE", "compile_error": "CE",
}  # fmt: skip


async def _judge_file(
    judge: Judge,
    prob: Problem,
    path: Path,
    rules: list[Any],
    stated: frozenset[str] | None = None,
    label: str = "",
) -> dict[str, Any]:
    from judgebox.judging.judge import Submission
    from judgebox.languages.table import language_for_file
    from judgebox.problems.common import substitute
    from judgebox.problems.expectations import Rule, expected_results_tag, rules_for
    from judgebox.vocabulary.errors import JudgeboxError

    name = str(path.relative_to(prob.path)) if prob.path else str(path)
    relative = str(path.relative_to(prob.path / "submissions")) if stated is None else name
    row: dict[str, Any] = {"submission": name, "got": "IE", "maxTimeMs": 0}
    if prob.submit_answer:  # answer files, one per case (judging/answers.py)
        return await _judge_answers(judge, prob, path, rules, name, relative)
    files: tuple[tuple[str, str], ...] = ()
    try:
        if path.is_dir():  # a folder program: its files together (spec "Programs")
            files = tuple(
                (p.name, substitute(p.read_text(encoding="utf-8"), prob.constants))
                for p in sorted(path.iterdir())
                if p.is_file() and not p.name.startswith((".", "-"))
            )
            lang = _folder_language(path, [name for name, _ in files], judge)
            code = "\n".join(text for _, text in files)  # only read for tags
        else:
            lang = language_for_file(path, judge.languages)
            code = substitute(path.read_text(encoding="utf-8"), prob.constants)
        judge.language(lang.id)
    except (JudgeboxError, UnicodeDecodeError) as exc:
        row["expected"] = "-"
        row["error"] = str(exc)
        return row
    tag = expected_results_tag(code)
    folder = relative.split("/")[0]
    row["expected"] = "/".join(sorted(tag)) if tag else _FOLDER_VERDICT.get(folder, folder)
    mine = rules_for(rules, relative, code)
    if stated is not None:  # a Polygon solution tag
        mine = [Rule(name, "solution tag", overall=stated)]
        row["expected"] = label
    row["_rules"] = mine
    return await _judged(judge, Submission(prob, lang.id, "" if files else code, files=files), row)


def _folder_language(path: Path, names: list[str], judge: Judge) -> Language:
    """The one language a folder submission's file endings name (spec: else it fails)."""
    from judgebox.languages.table import language_for_file
    from judgebox.vocabulary.errors import JudgeboxError, UnknownLanguageError

    found: dict[str, Language] = {}
    for name in names:
        try:
            lang = language_for_file(name, judge.languages)
        except JudgeboxError:
            continue  # a data file or a header: not a source of any language
        found[lang.id] = lang
    if set(found) == {"c", "cpp"}:  # C and C++ files together: built as C++
        del found["c"]
    if len(found) != 1:
        named = ", ".join(sorted(found)) or "none"
        raise UnknownLanguageError(
            f"{path}: cannot tell the submission's language from its file endings "
            f"(languages found: {named})"
        )
    return next(iter(found.values()))


async def _judge_answers(
    judge: Judge, prob: Problem, path: Path, rules: list[Any], name: str, relative: str
) -> dict[str, Any]:
    """One example submission of a submit-answer problem: a folder of answer files, or one
    answer file for every case."""
    from judgebox.judging.answers import ANSWER_LANGUAGE_ID
    from judgebox.judging.judge import Submission
    from judgebox.problems.expectations import rules_for

    row: dict[str, Any] = {"submission": name, "got": "IE", "maxTimeMs": 0}
    folder = relative.split("/")[0]
    row["expected"] = _FOLDER_VERDICT.get(folder, folder)
    try:
        if path.is_dir():
            paths = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            files = tuple((p.name, p.read_text(encoding="utf-8")) for p in paths)
            code = ""
        else:
            files, code = (), path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        row["expected"] = "-"
        row["error"] = str(exc)
        return row
    row["_rules"] = rules_for(rules, relative, None)  # an answer's text is no DOMjudge tag
    sub = Submission(prob, ANSWER_LANGUAGE_ID, code, files=files)
    return await _judged(judge, sub, row)


async def _judged(judge: Judge, sub: Any, row: dict[str, Any]) -> dict[str, Any]:
    """Judge one example submission and fill in its row of the verify table."""
    from judgebox.problems.expectations import Outcome
    from judgebox.vocabulary.events import CaseResultEvent, CompleteEvent, GroupResultEvent

    events = await _judge_events(judge, sub, lambda e: None)
    complete = next(e for e in reversed(events) if isinstance(e, CompleteEvent))
    results = [e.result for e in events if isinstance(e, CaseResultEvent)]
    groups = {e.result.name: e.result.score for e in events if isinstance(e, GroupResultEvent)}
    row["got"] = str(complete.summary.verdict)
    row["maxTimeMs"] = max((r.time_ms for r in results), default=0)
    if complete.summary.score is not None:
        row["score"], row["maxScore"] = complete.summary.score, complete.summary.max_score
    row["_outcome"] = Outcome(
        verdict=row["got"],
        cases=[(r.name, str(r.verdict), r.feedback) for r in results],
        score=complete.summary.score, max_score=complete.summary.max_score,
        group_scores=groups,
    )  # fmt: skip
    return row


@_command()
def languages(
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the JSON of GET /languages.")
    ] = False,
) -> None:
    """The languages whose toolchain is present: version, endings, exact commands."""
    import json

    from rich.table import Table

    from judgebox.judging.judge import language_info
    from judgebox.languages.toolchains import available_languages

    rows = [language_info(toolchain) for toolchain in available_languages().values()]
    if json_output:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table(title="languages")
    for column in ("id", "name", "version", "endings", "compile", "run"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["id"], row["name"], row["version"], " ".join(row["extensions"]),
            row["compile"] or "", row["run"],
        )  # fmt: skip
    _out().print(table)


@_command()
def problems(
    problems_dir: Annotated[
        Path | None, typer.Option("--problems", help="Problem library.")
    ] = None,
) -> None:
    """The problems of the library."""
    from judgebox.problems.library import ProblemLibrary
    from judgebox.settings import settings_from_env

    settings = settings_from_env(problems_dir=problems_dir)
    library = ProblemLibrary(settings.problems_dir, cache_dir=settings.cache_dir)
    from rich.table import Table

    table = Table(title=f"problems in {settings.problems_dir}")
    for column in ("name", "title", "cases", "samples", "time limit", "memory limit"):
        table.add_column(column)
    for p in library.list():
        tl = (
            f"{p.time_limit:g} s"
            if p.time_limit
            else f"{settings.default_time_limit:g} s (default)"
        )
        mem = p.memory_limit or settings.default_memory_limit
        table.add_row(
            p.name, p.title, str(len(p.cases)), str(len(p.samples)), tl, f"{mem >> 20} MiB"
        )
    _out().print(table)
    for name, reason in library.broken.items():
        _out(stderr=True).print(f"[yellow]skipped broken package {name}:[/] {reason}")


# NATS TLS and credentials, the same on `serve --nats` and `worker` (docs/scaleout.md).
# Secrets are better given as JUDGEBOX_NATS_PASSWORD / _TOKEN: a flag shows in `ps`.
# (The flags are declared in worker's signature: typer is imported only to parse them.)


def _nats_security(
    ca: Path | None, cert: Path | None, key: Path | None, tls_first: bool, user: str | None,
    password: str | None, token: str | None, creds: Path | None, nkey: Path | None,
    inbox: str | None,
) -> dict[str, Any]:  # fmt: skip
    """The settings overrides of the --nats-* flags (None: keep the environment's)."""
    return {
        "nats_ca": ca, "nats_cert": cert, "nats_key": key, "nats_tls_first": tls_first or None,
        "nats_user": user, "nats_password": password, "nats_token": token,
        "nats_creds": creds, "nats_nkey": nkey, "nats_inbox_prefix": inbox,
    }  # fmt: skip


@_command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def serve(ctx: typer.Context) -> None:
    """Run the HTTP server (the web page, the API of docs/api.md); --help for its flags.

    The flags are parsed by `judgebox.server.command`, the same parser as
    `python -m judgebox.server`, so both entry points take every flag.
    """
    from judgebox.server.command import main as serve_main

    raise SystemExit(serve_main(ctx.args, prog="judgebox serve"))


@_command()
def worker(
    nats: Annotated[str, typer.Option(help="NATS server URL, e.g. nats://127.0.0.1:4222.")],
    slots: Annotated[int, typer.Option(help="Jobs judged side by side.")] = 1,
    insecure: Annotated[bool, typer.Option(help="Accept incomplete isolation.")] = False,
    nats_ca: Annotated[
        Path | None, typer.Option(help="CA file of the NATS server's certificate.")
    ] = None,
    nats_cert: Annotated[
        Path | None, typer.Option(help="Client certificate for NATS (mutual TLS).")
    ] = None,
    nats_key: Annotated[Path | None, typer.Option(help="Key of --nats-cert.")] = None,
    nats_tls_first: Annotated[
        bool, typer.Option(help="TLS handshake before NATS's INFO (server handshake_first).")
    ] = False,
    nats_user: Annotated[str | None, typer.Option(help="NATS user.")] = None,
    nats_password: Annotated[
        str | None, typer.Option(help="NATS password (better: JUDGEBOX_NATS_PASSWORD).")
    ] = None,
    nats_token: Annotated[
        str | None, typer.Option(help="NATS token (better: JUDGEBOX_NATS_TOKEN).")
    ] = None,
    nats_creds: Annotated[Path | None, typer.Option(help="NATS .creds file (JWT + NKey).")] = None,
    nats_nkey: Annotated[Path | None, typer.Option(help="File with a NATS NKey seed.")] = None,
    nats_inbox_prefix: Annotated[
        str | None, typer.Option(help="Reply-subject prefix (default _INBOX), per role.")
    ] = None,
) -> None:
    """A scale-out worker: judge jobs from NATS JetStream."""
    import asyncio

    from judgebox.settings import settings_from_env
    from judgebox.vocabulary.errors import JudgeboxError

    settings = settings_from_env(
        nats_url=nats, insecure=insecure or None,
        **_nats_security(nats_ca, nats_cert, nats_key, nats_tls_first, nats_user,
                         nats_password, nats_token, nats_creds, nats_nkey, nats_inbox_prefix),
    )  # fmt: skip
    try:
        from judgebox.scaleout.worker import run_worker
    except ModuleNotFoundError as exc:
        # Only the scale-out code or its NATS client missing means "no worker here"; any
        # other import failure is a bug and keeps its traceback.
        missing = exc.name or ""
        if missing != "nats" and not missing.startswith(("nats.", "judgebox.scaleout")):
            raise
        usage_error(f"this build of judgebox has no scale-out worker (no module {missing})")
    _setup_logging(settings, quiet=False)
    try:
        asyncio.run(run_worker(settings, slots=slots))
    except JudgeboxError as exc:
        usage_error(exc.message)
    except KeyboardInterrupt:
        pass


# Set by `run` and `verify` once their sandbox is closed: nothing of theirs is left to tear
# down, so main() may skip the interpreter's own teardown (see _exit_now).
_done_judging = False


def _exit_now(status: object) -> NoReturn:
    """End the process without the interpreter's finalization (issue 17).

    Tearing down the judge's few hundred modules took 200-330 ms of a 1-2 s `judgebox run`
    on a loaded host: more than the judging of a case. Only used when the command has
    already closed its sandbox (boxes dead, cgroups and directories removed) and written
    its output; the streams and logging are flushed here, as a normal exit would."""
    import logging
    import os

    code = 0 if status is None else status if isinstance(status, int) else 1
    if not isinstance(status, int | None):
        print(status, file=sys.stderr)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1  # as the interpreter does when stdout cannot be flushed
    os._exit(code)


# The options of the commands _fast_command parses, as typer declares them in their
# signatures: flag -> (parameter, kind); kind "flag" sets True, "no" sets False, "value"
# takes the next word, "int" an integer, "many" appends.
_FAST_OPTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "run": {
        "--language": ("language", "value"),
        "--stop-on-first-failure": ("stop_on_first_failure", "flag"),
        "--no-stop-on-first-failure": ("stop_on_first_failure", "no"),
        "--json": ("json_output", "flag"),
        "--parallelism": ("parallelism", "int"),
        "--insecure": ("insecure", "flag"),
        "--no-insecure": ("insecure", "no"),
        "--input": ("inputs", "many"),
    },
    "verify": {
        "--json": ("json_output", "flag"),
        "--parallelism": ("parallelism", "int"),
        "--insecure": ("insecure", "flag"),
        "--no-insecure": ("insecure", "no"),
    },
}
_FAST_ARGUMENTS = {"run": (("problem", str), ("source", Path)), "verify": (("package", Path),)}


def _fast_command(argv: list[str]) -> Callable[[], None] | None:
    """`run` or `verify` with a command line that typer would accept as it is, without typer
    (its import is about a third of a cold `judgebox run`'s own start-up, issue 17).

    None for anything else — another command, --help, a word typer would reject or read
    in its own way — which then goes to the typer app, so help and usage errors are
    typer's, word for word."""
    if not argv or argv[0] not in _FAST_OPTIONS:
        return None
    name, options = argv[0], _FAST_OPTIONS[argv[0]]
    values: dict[str, Any] = {}
    positional: list[str] = []
    words = iter(argv[1:])
    only_arguments = False
    for word in words:
        if only_arguments or not word.startswith("-") or word == "-":
            positional.append(word)
            continue
        if word == "--":
            only_arguments = True
            continue
        flag, equals, inline = word.partition("=")
        if flag not in options:
            return None  # --help, an unknown or abbreviated option: typer says what it is
        parameter, kind = options[flag]
        if kind in ("flag", "no"):
            if equals:
                return None
            values[parameter] = kind == "flag"
            continue
        value = inline if equals else next(words, None)
        if value is None or (not equals and value.startswith("-") and value != "-"):
            return None  # a missing value, or one that looks like an option
        if kind == "int":
            try:
                values[parameter] = int(value)
            except ValueError:
                return None
        elif kind == "many":
            values.setdefault(parameter, []).append(value)
        else:
            values[parameter] = value
    arguments = _FAST_ARGUMENTS[name]
    if len(positional) != len(arguments):
        return None
    for (parameter, kind_of), word in zip(arguments, positional, strict=True):
        values[parameter] = kind_of(word)
    command = run if name == "run" else verify
    return lambda: command(**values)


def main() -> None:
    """Console-script entry point: a JudgeboxError that escapes (a bad JUDGEBOX_* variable,
    say) is one line on stderr and exit status 2, never a traceback."""
    from judgebox.vocabulary.errors import JudgeboxError

    try:
        command = _fast_command(sys.argv[1:])
        if command is not None:
            command()
        else:
            _typer_app()()
    except JudgeboxError as exc:
        print(f"judgebox: {' '.join(exc.message.split())}", file=sys.stderr)
        sys.exit(2)
    except SystemExit as exc:
        if _done_judging:
            _exit_now(exc.code)
        raise


if __name__ == "__main__":
    main()
