"""Input validation for `judgebox verify`: every input validator on every test input.

Validators live in `input_validators/` (`input_validator/` is accepted too), one
program per entry (spec "Input validators"): a program as programs.py builds it,
run as `validator [input_validator_args] [case args] < case.in`, exit 42 = valid;
a `.ctd` Checktestdata file, turned into a standalone Python program by the
`checktestdata` package (PyPI; in a host subprocess under CPU, memory and time
limits, since it only parses) and then run in the sandbox like any validator; a
`.viva` file, which nothing here runs: reported "not checked". Every
`data/invalid_input/*.in` must be rejected by at least one validator.
"""

from __future__ import annotations

import asyncio
import importlib.util
import resource
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from judgebox.judging import case_files
from judgebox.judging.compilation import CacheLimits
from judgebox.judging.validators import ACCEPTED_EXIT, VALIDATOR_LIMITS, ValidatorProgram
from judgebox.languages.table import Language
from judgebox.languages.toolchains import Toolchain
from judgebox.problems.common import substitute_bytes
from judgebox.problems.model import Problem
from judgebox.sandbox import BOX_DIR, ExecStatus, Mount, Sandbox
from judgebox.vocabulary.errors import ProblemPackageError

_CONVERT_SECONDS = 30
_CONVERT_MEMORY = 1024 * 1024 * 1024
_MESSAGE_LIMIT = 300


@dataclass(frozen=True, slots=True)
class InputCheck:
    """One validator on one input: `ok`, or why not (`note` for "not checked" lines)."""

    validator: str
    case: str  # the case name (`secret/03`), or `invalid_input/x` for must-reject inputs
    ok: bool
    message: str = ""
    checked: bool = True


def validator_entries(problem: Problem) -> list[Path]:
    """The input validator programs of the package (files and folders), by name."""
    entries: list[Path] = []
    for name in ("input_validators", "input_validator"):
        folder = problem.path / name
        if folder.is_dir():
            entries += sorted(e for e in folder.iterdir() if not e.name.startswith((".", "-")))
    return entries


def _args_for(name: str, pairs: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    for key, args in pairs:
        if key in ("", name):
            return args
    return ()


async def _convert_ctd(ctd: Path, target: Path) -> None:
    """Checktestdata source -> a standalone Python validator (exit 42 / 43) at `target`."""
    if importlib.util.find_spec("checktestdata") is None:
        raise ProblemPackageError(
            f"{ctd}: not checked: the checktestdata package is not installed "
            "(pip install 'judgebox[checktestdata]')"
        )

    def limit() -> None:  # the child only: it parses hostile text
        resource.setrlimit(resource.RLIMIT_CPU, (_CONVERT_SECONDS, _CONVERT_SECONDS))
        resource.setrlimit(resource.RLIMIT_AS, (_CONVERT_MEMORY, _CONVERT_MEMORY))

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "checktestdata", str(ctd), "--convert", str(target),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, preexec_fn=limit,
    )  # fmt: skip
    try:
        output, _ = await asyncio.wait_for(process.communicate(), 2 * _CONVERT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise ProblemPackageError(f"{ctd}: checktestdata took too long to read it") from None
    if process.returncode != 0 or not target.is_file():
        said = output.decode("utf-8", errors="replace").strip()[:_MESSAGE_LIMIT]
        raise ProblemPackageError(f"{ctd}: checktestdata cannot read it: {said}")


async def validate_inputs(
    sandbox: Sandbox,
    problem: Problem,
    languages: Mapping[str, Language],
    toolchains: Mapping[str, Toolchain],
    workspace: Path,
    cache_dir: Path,
    cache_limits: CacheLimits | None = None,
    parallelism: int = 2,
) -> list[InputCheck]:
    """Run every input validator on every case's input (and must-reject inputs)."""
    checks: list[InputCheck] = []
    slots = asyncio.Semaphore(parallelism)
    invalid_folder = problem.path / "data" / "invalid_input"
    invalid = sorted(invalid_folder.glob("*.in")) if invalid_folder.is_dir() else []
    rejected_invalid: dict[Path, bool] = {p: False for p in invalid}
    for entry in validator_entries(problem):
        name = entry.name.rsplit(".", 1)[0] if entry.is_file() else entry.name
        if entry.suffix == ".viva":
            checks.append(InputCheck(entry.name, "*", True, "no VIVA runner here",
                                     checked=False))  # fmt: skip
            continue
        try:
            program = await _prepare(sandbox, problem, entry, languages, toolchains, workspace,
                                     cache_dir, cache_limits)  # fmt: skip
        except ProblemPackageError as error:
            checked = "not checked:" not in error.message
            checks.append(InputCheck(entry.name, "*", not checked, error.message, checked))
            continue

        async def one(
            path: Path,
            args: tuple[str, ...],
            files: Path | None = None,
            prog: ValidatorProgram = program,
        ) -> tuple[bool, str]:
            async with slots:
                return await _run(sandbox, prog, path, args, workspace, files)

        results = await asyncio.gather(*(
            one(case.input_path, (*_args_for(name, case.input_validator_args), *case.args),
                case.files_dir)
            for case in problem.cases
        ), *(one(path, ()) for path in invalid))  # fmt: skip
        for case, (ok, message) in zip(problem.cases, results, strict=False):
            checks.append(InputCheck(entry.name, case.name, ok, message))
        for path, (ok, _) in zip(invalid, results[len(problem.cases) :], strict=True):
            rejected_invalid[path] = rejected_invalid[path] or not ok
    for path, rejected in rejected_invalid.items():
        checks.append(InputCheck(
            "input validators", f"invalid_input/{path.stem}", rejected,
            "" if rejected else "no input validator rejects this invalid input",
        ))  # fmt: skip
    return checks


async def _prepare(
    sandbox: Sandbox,
    problem: Problem,
    entry: Path,
    languages: Mapping[str, Language],
    toolchains: Mapping[str, Toolchain],
    workspace: Path,
    cache_dir: Path,
    cache_limits: CacheLimits | None,
) -> ValidatorProgram:
    source = entry
    folder: Path | None = None
    if entry.is_file() and entry.suffix == ".ctd":
        folder = Path(tempfile.mkdtemp(prefix="ctd-", dir=workspace))
        source = folder / "validator.py"
        text = await asyncio.to_thread(entry.read_bytes)  # constants: spec "Constants"
        ctd = folder / entry.name
        await asyncio.to_thread(ctd.write_bytes, substitute_bytes(text, problem.constants))
        await _convert_ctd(ctd, source)
        await asyncio.to_thread(ctd.unlink)
    try:
        return await ValidatorProgram.prepare(
            sandbox, problem.path, source, (), languages, toolchains, workspace, cache_dir,
            cache_limits, constants=problem.constants,
        )  # fmt: skip
    finally:
        if folder is not None:
            await asyncio.to_thread(shutil.rmtree, folder, True)


async def _run(
    sandbox: Sandbox,
    program: ValidatorProgram,
    input_path: Path,
    args: tuple[str, ...],
    workspace: Path,
    files_dir: Path | None = None,
) -> tuple[bool, str]:
    """Whether the validator accepts the input (exit 42), and what it said when not.
    `files_dir`: the case's `.files`, copied into the validator's working directory."""
    program_dir = program.artifact.directory
    async with (
        case_files.working_directory(workspace, program_dir, files_dir) as (extra, cwd),
        sandbox.box([Mount(program_dir, BOX_DIR), *extra]) as box,
    ):
        result = await box.run(
            [*program.argv, *args], limits=VALIDATOR_LIMITS, stdin=input_path.resolve(), cwd=cwd
        )
    if result.status in (ExecStatus.OK, ExecStatus.NONZERO_EXIT):
        if result.exit_code == ACCEPTED_EXIT:
            return True, ""
        said = (result.stderr + b"\n" + result.stdout).decode("utf-8", errors="replace").strip()
        return False, f"exit {result.exit_code}" + (f": {said[:_MESSAGE_LIMIT]}" if said else "")
    return False, f"the validator failed: {result.message or result.status.value}"
