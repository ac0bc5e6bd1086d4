"""Kattis output validators and interactive runs, through the sandbox.

The Kattis interface: `validator input answer feedback_dir [flags] < output`;
exit 42 accepts, 43 rejects, anything else is the validator's (the judge's)
fault; `feedback_dir/judgemessage.txt` says why. For interactive problems the
validator's stdin is the submission's stdout and its stdout the submission's
stdin (two pipes), both sandboxed, each in its own box and uid.

Inside the validator's box:

    /box        the compiled validator (read-only)
    /problem    the problem's data directory (read-only): input and answer files
    /feedback   an empty directory the validator may write (read by the host with O_NOFOLLOW)
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from judgebox.judging.compilation import Artifact, CacheLimits, compile_source
from judgebox.languages.table import Language
from judgebox.languages.toolchains import Toolchain
from judgebox.problems.programs import ProgramSource, resolve_program
from judgebox.sandbox import BOX_DIR, Box, ExecResult, ExecStatus, Sandbox
from judgebox.vocabulary.errors import ProblemPackageError
from judgebox.vocabulary.limits import Limits
from judgebox.vocabulary.verdicts import Verdict

ACCEPTED_EXIT = 42
REJECTED_EXIT = 43
PROBLEM_DIR = "/problem"
FEEDBACK_DIR = "/feedback"
FEEDBACK_LIMIT = 4096
VALIDATOR_LIMITS = Limits(cpu_time=30.0, wall_time=60.0, memory=1024 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class ValidatorProgram:
    """A problem's output validator, compiled once (cached) and ready to run in a box."""

    artifact: Artifact
    language: Language
    argv: list[str]
    problem_root: Path
    flags: tuple[str, ...]
    limits: Limits = VALIDATOR_LIMITS

    @classmethod
    async def prepare(
        cls,
        sandbox: Sandbox,
        problem_root: Path,
        source_path: Path,
        flags: tuple[str, ...],
        languages: Mapping[str, Language],
        toolchains: Mapping[str, Toolchain],
        workspace: Path,
        cache_dir: Path,
        cache_limits: CacheLimits | None = None,
        limits: Limits = VALIDATOR_LIMITS,
        constants: tuple[tuple[str, str], ...] = (),
        source: ProgramSource | None = None,
    ) -> ValidatorProgram:
        """Build the validator program at `source_path` (a ProblemPackageError if that fails).

        Any program the spec allows (programs.py): one file, a folder of sources compiled
        together with their headers, or a build/run script. `source` gives the files and
        entry instead (a testlib checker: programs.named_program).
        """
        if source is None:
            source = await asyncio.to_thread(resolve_program, source_path, languages, constants)
        language = source.language
        if source.toolchain_id:
            toolchain = toolchains.get(source.toolchain_id)
            if toolchain is None or source.toolchain_id not in languages:
                raise ProblemPackageError(
                    f"{source_path}: the output validator is written in {source.toolchain_id}, "
                    "whose toolchain is not installed here"
                )
            version = toolchain.version
        else:
            version = "script"
        artifact = await compile_source(
            sandbox, language, version, source.files[source.main], source.main,
            limits=limits, workspace=workspace, cache_dir=cache_dir,
            extra_files=source.files, cache_limits=cache_limits,
        )  # fmt: skip
        if not artifact.result.ok:
            raise ProblemPackageError(
                f"{source_path}: the output validator does not build; fix it:\n"
                f"{artifact.result.output}"
            )
        argv = language.run_argv(source.main, limits)
        return cls(artifact, language, argv, problem_root, flags, limits)


def reset_feedback_dir(path: Path, uid: int) -> None:
    """Empty the feedback directory in place (it is bind-mounted) and give it to the box's uid."""
    path.mkdir(mode=0o755, exist_ok=True)
    with os.scandir(path) as entries:
        for entry in entries:  # never follows a symlink: unlink removes the link itself
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
    os.chown(path, uid, uid)


def read_feedback_file(path: Path, name: str, cap: int = FEEDBACK_LIMIT) -> str | None:
    """One regular file a box wrote into `path` (its first `cap` bytes), never following a
    symlink; None if it is absent or not a regular file."""
    try:
        fd = os.open(path / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP, errno.ENXIO):
            return None
        raise
    with os.fdopen(fd, "rb") as f:
        if not os.path.isfile(f"/proc/self/fd/{f.fileno()}"):
            return None
        return f.read(cap).decode("utf-8", errors="replace")


def read_feedback(path: Path) -> str:
    """`judgemessage.txt` (or `teammessage.txt`) of a feedback dir, never following a symlink."""
    for name in ("judgemessage.txt", "teammessage.txt"):
        text = (read_feedback_file(path, name) or "").strip()
        if text:
            return text
    return ""


NEXT_PASS = "nextpass.in"
PASS_INPUT = "judgebox-pass.in"  # the current pass's input, where the validator can read it
NEXT_PASS_LIMIT = 256 * 1024 * 1024


def take_next_pass(feedback_dir: Path, stdin_copy: Path) -> str | None:
    """Multi-pass: move the validator's `nextpass.in` out of the way (the spec removes it
    before the next pass) into `stdin_copy` for the program and `PASS_INPUT` for the
    validator. Its path in the validator's box, or None if it wrote none."""
    try:
        fd = os.open(feedback_dir / NEXT_PASS, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
                     | os.O_NONBLOCK)  # fmt: skip
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP, errno.ENXIO):
            return None
        raise
    with os.fdopen(fd, "rb") as f:
        if not os.path.isfile(f"/proc/self/fd/{f.fileno()}"):
            return None
        data = f.read(NEXT_PASS_LIMIT + 1)
    if len(data) > NEXT_PASS_LIMIT:
        raise ProblemPackageError("the output validator wrote a nextpass.in over 256 MiB")
    os.unlink(feedback_dir / NEXT_PASS)
    for target in (stdin_copy, feedback_dir / PASS_INPUT):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                      0o644)  # fmt: skip
        with os.fdopen(out, "wb") as f:
            f.write(data)
    return f"{FEEDBACK_DIR}/{PASS_INPUT}"


def read_score_files(path: Path) -> tuple[str | None, str | None]:
    """`score.txt` and `score_multiplier.txt` of a feedback dir (scoring problems)."""
    return read_feedback_file(path, "score.txt"), read_feedback_file(path, "score_multiplier.txt")


def validator_verdict(result: ExecResult, feedback: str) -> tuple[Verdict, str]:
    """42 -> AC, 43 -> WA; anything else is an internal error of the judge's validator."""
    if result.status is ExecStatus.OK or result.status is ExecStatus.NONZERO_EXIT:
        if result.exit_code == ACCEPTED_EXIT:
            return Verdict.AC, feedback
        if result.exit_code == REJECTED_EXIT:
            return Verdict.WA, feedback or "wrong answer (output validator)"
    if result.signal == "SIGPIPE":  # interactive: the program closed its input and went away
        return Verdict.WA, feedback or "the program stopped reading the validator's replies"
    detail = result.message or f"exit code {result.exit_code}"
    stderr = result.stderr.decode("utf-8", errors="replace").strip()[-500:]
    return Verdict.IE, f"output validator failed: {detail}" + (f"\n{stderr}" if stderr else "")


def box_path(problem_root: Path, file: Path) -> str:
    """Where a problem file appears in the validator's box."""
    return f"{PROBLEM_DIR}/{file.resolve().relative_to(problem_root.resolve())}"


async def run_validator(
    box: Box,
    argv: list[str],
    *,
    problem_root: Path,
    input_path: Path,
    answer_path: Path,
    output_path: Path,
    feedback_dir: Path,
    flags: tuple[str, ...],
    limits: Limits = VALIDATOR_LIMITS,
    fresh: bool = True,
    input_in_box: str | None = None,
) -> tuple[Verdict, str]:
    """Judge one output with a custom validator (its stdin is the submission's output).

    Multi-pass: later passes keep the feedback dir (`fresh` False) and name the pass's
    input inside the box (`input_in_box`).
    """
    if fresh:
        reset_feedback_dir(feedback_dir, box.ctx.uid)
    full = [
        *argv,
        input_in_box or box_path(problem_root, input_path),
        box_path(problem_root, answer_path),
        FEEDBACK_DIR + "/",
        *flags,
    ]
    result = await box.run(full, limits=limits, stdin=output_path)
    return validator_verdict(result, read_feedback(feedback_dir))


# An end the other program could not yet have seen, this close after its own, is a tie (see
# ended_first). The boxes stamp an end when their supervisor reaps the program; a supervisor
# may wake a few milliseconds late on a busy machine, and the window covers that jitter.
END_TIE_WINDOW = 0.005


def ended_first(
    validator: ExecResult, submission: ExecResult, *, released: float | None, fallback: bool
) -> bool:
    """Whether the validator ended first, decided from the two end instants.

    `ended_at` are CLOCK_MONOTONIC stamps taken by the boxes when they reaped the programs;
    `released` is when (same clock) the host let the submission's input see the validator's
    end (it holds a copy of the validator's pipe end until then, as Kattis's runner does), so
    an end caused by that EOF always comes after the validator's. The validator is first
    when its end came before the submission's, except in a tie: the submission ended before
    it could see the validator's end, and within END_TIE_WINDOW of it (two programs ending
    on their own at one instant). A tie is judged as if the submission ended first, Kattis's
    default branch (its own failure stands). `fallback` (the order in which the host saw
    the ends) decides only when a box gave no stamp (it broke, or never ran the program).
    """
    v, s = validator.ended_at, submission.ended_at
    if v is None or s is None:
        return fallback
    if v >= s:
        return False
    blind = released is None or s < released
    return not (blind and s - v <= END_TIE_WINDOW)


async def run_interactive(
    submission_box: Box,
    submission_argv: list[str],
    submission_limits: Limits,
    validator_box: Box,
    validator_argv: list[str],
    *,
    problem_root: Path,
    input_path: Path,
    answer_path: Path,
    feedback_dir: Path,
    flags: tuple[str, ...],
    validator_limits: Limits = VALIDATOR_LIMITS,
    fresh: bool = True,
    input_in_box: str | None = None,
    submission_cwd: str | None = None,  # default /box (a case's `.files`: /case)
) -> tuple[ExecResult, Verdict, str, bool]:
    """Run a submission against an interactive validator, connected by two pipes.

    Returns the submission's result, the validator's verdict and message, and whether the
    validator ended first (a rejection then stands whatever the submission does after).
    """
    if fresh:
        reset_feedback_dir(feedback_dir, validator_box.ctx.uid)
    to_validator_r, to_validator_w = os.pipe2(os.O_CLOEXEC)
    to_submission_r, to_submission_w = os.pipe2(os.O_CLOEXEC)
    full = [
        *validator_argv,
        input_in_box or box_path(problem_root, input_path),
        box_path(problem_root, answer_path),
        FEEDBACK_DIR + "/",
        *flags,
    ]
    wall = submission_limits.effective_wall_time + 5.0
    limits = validator_limits.replace(wall_time=wall, cpu_time=max(wall, validator_limits.cpu_time))
    # Each run() consumes the two fds it is given. The host keeps a copy of each write end
    # until the writer's end is recorded (Kattis's runner does the same): a program reading
    # sees EOF only after the other's end is stamped, so an end caused by that EOF is
    # always the later one, however close the two are.
    held = {"validator": os.dup(to_submission_w), "submission": os.dup(to_validator_w)}
    released: list[float] = []  # when the submission could first see the validator's end

    def release(writer: str) -> None:
        fd = held.pop(writer, None)
        if fd is not None:
            if writer == "validator":
                released.append(time.monotonic())
            os.close(fd)

    validator_task = asyncio.ensure_future(
        validator_box.run(full, limits=limits, stdin=to_validator_r, stdout=to_submission_w)
    )
    validator_task.add_done_callback(lambda _: release("validator"))
    try:
        try:
            submission = await submission_box.run(
                submission_argv,
                limits=submission_limits,
                stdin=to_submission_r,
                stdout=to_validator_w,
                cwd=submission_cwd or BOX_DIR,
            )
        finally:
            release("submission")
        seen_first = validator_task.done()  # as the host saw the ends: only a fallback
        validator = await validator_task
    finally:
        if not validator_task.done():
            validator_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await validator_task
        release("validator")
    verdict, feedback = validator_verdict(validator, read_feedback(feedback_dir))
    validator_first = ended_first(
        validator, submission, released=released[0] if released else None, fallback=seen_first
    )
    if validator_first:  # what the submission did after the validator ended is not its time
        submission = replace(
            submission,
            cpu_time=min(submission.cpu_time, validator.wall_time),
            wall_time=min(submission.wall_time, validator.wall_time),
        )
    return submission, verdict, feedback, validator_first
