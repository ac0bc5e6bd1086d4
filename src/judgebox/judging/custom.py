"""Custom-input cases: the person's own input, judged against the problem's reference solution.

For each custom case (`TestCase.custom`), 1 and 2 side by side with the
submission's run (an interactive problem: 1, 2, then the submission, since the
reference needs the slot's validator box), each in its own box of the run's
kill group:

1. the package's input validators (`input_validators/*`, exit 42 = valid) read the
   input; a rejection means the input is outside the problem;
2. the reference solution runs on it in its own box, under the problem's own limits
   (an interactive problem's validator is its partner); its output becomes the case's
   answer; a reference that fails (TLE, RTE, rejected by the interactive validator)
   also means the input is outside the problem;
3. the submission is checked like any case (cases.py), with the problem's
   checker, flags or validator.

Without a reference (an inline case with no answer, a package with no usable
accepted submission) or with an input outside the problem, the case's verdict is
`RAN`: it ran, and nothing could judge its output. A submission that breaks a
limit or crashes on an input inside the problem keeps that verdict either way.

The reference is chosen by `choose_reference`: among `submissions/accepted/*` files
of a language whose toolchain is here, the first language of REFERENCE_PREFERENCE
(compiled and fast to start first), then the alphabetically first file name. It is
compiled through the compile cache, so only the first run pays for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from judgebox.judging import case_files
from judgebox.judging.compilation import Artifact, CacheLimits, compile_source
from judgebox.judging.validators import (
    ACCEPTED_EXIT,
    VALIDATOR_LIMITS,
    ValidatorProgram,
    run_interactive,
)
from judgebox.languages.table import Language, language_for_file, source_file_name
from judgebox.languages.toolchains import Toolchain
from judgebox.problems.package import Problem, TestCase
from judgebox.sandbox import BOX_DIR, Box, ExecResult, ExecStatus, Mount, Sandbox
from judgebox.vocabulary.errors import ProblemPackageError, UnknownLanguageError
from judgebox.vocabulary.limits import Limits
from judgebox.vocabulary.verdicts import Verdict

# Which accepted submission judges custom input: compiled languages first (fast, steady
# timing, so the reference rarely hits the limit), then the managed runtimes.
REFERENCE_PREFERENCE = (
    "cpp", "c", "rust", "go", "java", "csharp", "javascript", "pypy3", "python3",
)  # fmt: skip
_MESSAGE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Reference:
    """The accepted submission that judges custom input, compiled."""

    name: str  # its path in the package, e.g. submissions/accepted/aplusb.cpp
    language: Language
    artifact: Artifact
    limits: Limits  # the problem's own limits (a request's lower limits are the submission's)

    @property
    def argv(self) -> list[str]:
        """How to run it in a box."""
        return self.language.run_argv(self.artifact.file, self.limits)


@dataclass(frozen=True, slots=True)
class InputValidator:
    """One program of `input_validators/`, compiled."""

    name: str
    program: ValidatorProgram


def choose_reference(
    package: Path, languages: Mapping[str, Language], toolchains: Mapping[str, Toolchain]
) -> tuple[Path, Language] | None:
    """The accepted submission that judges custom input (the rule in the module doc), or None."""
    folder = package / "submissions" / "accepted"
    if not folder.is_dir():
        return None
    found: list[tuple[int, str, Path, Language]] = []
    for entry in folder.iterdir():
        if not entry.is_file() or entry.name.startswith("."):
            continue
        try:
            language = language_for_file(entry, languages)
        except UnknownLanguageError:
            continue
        if language.id not in toolchains:
            continue
        rank = (
            REFERENCE_PREFERENCE.index(language.id)
            if language.id in REFERENCE_PREFERENCE
            else len(REFERENCE_PREFERENCE)
        )
        found.append((rank, entry.name, entry, language))
    if not found:
        return None
    _, _, path, language = min(found, key=lambda item: (item[0], item[1]))
    return path, language


@dataclass(frozen=True, slots=True)
class CustomJudging:
    """What judges a run's custom cases: the reference and the input validators, if any."""

    sandbox: Sandbox
    group: str
    reference: Reference | None
    input_validators: tuple[InputValidator, ...]
    workspace: Path | None = None  # where a case's `.files` are staged for a validator

    @classmethod
    async def prepare(
        cls,
        sandbox: Sandbox,
        group: str,
        problem: Problem,
        base_limits: Limits | None,
        languages: Mapping[str, Language],
        toolchains: Mapping[str, Toolchain],
        workspace: Path,
        cache_dir: Path,
        cache_limits: CacheLimits,
    ) -> CustomJudging:
        """Compile (or find in the cache) the reference and input validators of the package."""
        package = problem.custom_package
        if package is None or base_limits is None:
            return cls(sandbox, group, None, ())
        reference: Reference | None = None
        chosen = await asyncio.to_thread(choose_reference, package, languages, toolchains)
        if chosen is not None:
            path, language = chosen
            code = await asyncio.to_thread(path.read_bytes)
            file = await asyncio.to_thread(
                source_file_name, language, code.decode("utf-8", errors="replace")
            )
            artifact = await compile_source(
                sandbox, language, toolchains[language.id].version, code, file,
                limits=base_limits, workspace=workspace, cache_dir=cache_dir,
                cache_limits=cache_limits,
            )  # fmt: skip
            if not artifact.result.ok:
                raise ProblemPackageError(
                    f"{path}: the accepted submission does not compile, so it cannot judge "
                    f"custom input; fix it:\n{artifact.result.output}"
                )
            name = str(path.relative_to(package))
            reference = Reference(name, language, artifact, base_limits)
        validators = []
        folder = package / "input_validators"
        entries = sorted(folder.iterdir()) if folder.is_dir() else []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            program = await ValidatorProgram.prepare(
                sandbox, problem.path, entry, (), languages, toolchains, workspace, cache_dir,
                cache_limits,
            )  # fmt: skip
            validators.append(InputValidator(str(entry.relative_to(package)), program))
        return cls(sandbox, group, reference, tuple(validators), workspace)

    async def examine(self, reference: Reference | None, case: TestCase) -> str | None:
        """Input validators and reference side by side: the first reason the input is
        outside the problem (validators first), or None. Fills the case's answer."""
        tasks = [asyncio.ensure_future(self.validate_input(case))]
        if reference is not None:
            tasks.append(asyncio.ensure_future(self.run_reference(reference, case)))
        try:
            for task in tasks:
                reason = await task
                if reason is not None:
                    return reason
            return None
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def validate_input(self, case: TestCase) -> str | None:
        """Why the input validators reject the case's input, or None."""
        for validator in self.input_validators:
            reason = await self._validate_input(validator, case)
            if reason is not None:
                return reason
        return None

    async def _validate_input(self, validator: InputValidator, case: TestCase) -> str | None:
        program = validator.program
        program_dir = program.artifact.directory
        # The spec copies a case's `.files` into an input validator's working directory.
        files = case.files_dir if self.workspace is not None else None
        workspace = self.workspace or program_dir
        async with case_files.working_directory(workspace, program_dir, files) as (extra, cwd):
            mounts = [Mount(program_dir, BOX_DIR), *extra]
            async with self.sandbox.box(mounts, group=self.group) as box:
                result = await box.run(
                    program.argv, limits=VALIDATOR_LIMITS, stdin=case.input_path.resolve(),
                    cwd=cwd,
                )  # fmt: skip
        if result.status in (ExecStatus.OK, ExecStatus.NONZERO_EXIT):
            if result.exit_code == ACCEPTED_EXIT:
                return None
            said = _message(result.stdout + b"\n" + result.stderr)
            return f"the input validator {validator.name} rejected this input" + (
                f": {said}" if said else f" (exit code {result.exit_code})"
            )
        raise ProblemPackageError(
            f"the input validator {validator.name} failed on custom input: "
            f"{result.message or result.status.value}"
        )

    async def run_reference(
        self,
        reference: Reference,
        case: TestCase,
        partner: tuple[ValidatorProgram, Box, Path] | None = None,
    ) -> str | None:
        """Run the reference on the case's input; its output becomes the case's answer.

        Returns why the input is outside the problem (the reference failed on it), or None.
        `partner`: an interactive problem's validator, the slot's box for it and its
        feedback directory.
        """
        limits = reference.language.run_limits(reference.limits)
        mounts = [Mount(reference.artifact.directory, BOX_DIR)]
        async with self.sandbox.box(mounts, group=self.group) as box:
            if partner is not None:
                validator, validator_box, feedback_dir = partner
                result, verdict, message, _ = await run_interactive(
                    box, reference.argv, limits, validator_box, validator.argv,
                    problem_root=validator.problem_root, input_path=case.input_path,
                    answer_path=case.answer_path, feedback_dir=feedback_dir,
                    flags=validator.flags,
                )  # fmt: skip
                failed = _failure(result, reference.limits)
                if failed is None and verdict is not Verdict.AC:
                    failed = "was not accepted by the interactive validator" + (
                        f": {_message(message.encode())}" if message else ""
                    )
            else:
                result = await box.run(
                    reference.argv, limits=limits, stdin=case.input_path.resolve()
                )
                failed = _failure(result, reference.limits)
                if failed is None:
                    await asyncio.to_thread(_write_answer, case.answer_path, result.stdout)
        if failed is None:
            return None
        return (
            f"the reference solution {reference.name} {failed} on this input, so the input is "
            "outside the problem (not a fault of the judge)"
        )


def _failure(result: ExecResult, limits: Limits) -> str | None:
    """How a reference run failed, in words, or None."""
    status = result.status
    if status is ExecStatus.OK:
        return None
    if status is ExecStatus.TIME_LIMIT:
        return f"exceeded the time limit of {limits.cpu_time:g} s"
    if status is ExecStatus.MEMORY_LIMIT:
        return f"exceeded the memory limit of {limits.memory >> 20} MiB"
    if status is ExecStatus.OUTPUT_LIMIT:
        return f"exceeded the output limit of {limits.output >> 20} MiB"
    if status is ExecStatus.INTERNAL_ERROR:
        raise ProblemPackageError(f"the reference solution could not run: {result.message}")
    ended = f"was killed by {result.signal}" if result.signal else f"exited with {result.exit_code}"
    said = _message(result.stderr)
    return ended + (f" ({said})" if said else "")


def _message(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").strip()
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + "…"


def _write_answer(path: Path, data: bytes) -> None:
    """Replace the case's (empty) answer file with the reference's output."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
