"""What a judged case says: its feedback, the verdict of a run that failed, its CaseResult.

Every kind of case (ordinary, multi-pass, interactive, testlib, submit-answer, custom
input) ends here, so what a person may see of a case is decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from judgebox.problems.model import TestCase
from judgebox.sandbox import ExecResult, ExecStatus
from judgebox.vocabulary.limits import Limits
from judgebox.vocabulary.verdicts import CaseResult, Difference, Verdict

_SIGNAL_MEANINGS = {
    "SIGSEGV": "segmentation fault: invalid memory access or stack overflow",
    "SIGABRT": "aborted: a failed assertion or an uncaught C++ exception",
    "SIGFPE": "arithmetic error: division by zero",
    "SIGBUS": "bus error",
    "SIGKILL": "killed",
    "SIGILL": "illegal instruction",
}


@dataclass(frozen=True, slots=True)
class Feedback:
    """A case's feedback twice: in full, and as a person may see it for a secret case.

    `redacted` never holds a value from the case's input, its answer, the program's
    output or a validator's message: only where and how the output differs.
    """

    full: str
    redacted: str

    @classmethod
    def public(cls, text: str) -> Feedback:
        """Feedback with nothing secret in it (limits, exit codes, signals)."""
        return cls(text, text)


@dataclass(frozen=True, slots=True)
class CustomCase:
    """What a custom-input case adds: the reference that judged it, why its input is out."""

    reference: str | None  # the reference solution's name; None: nothing judges the output
    rejected: str | None  # why the input is outside the problem, or None


def run_failure(
    result: ExecResult, limits: Limits, memory_error_markers: tuple[str, ...]
) -> tuple[Verdict, Feedback] | None:
    """The verdict of a run that did not end normally, or None."""
    status = result.status
    public = Feedback.public
    # The output limit counts stdout and stderr together (Kattis `limits.output`).
    written = len(result.stdout) + result.stderr_size
    if status in (ExecStatus.OK, ExecStatus.NONZERO_EXIT) and written > limits.output:
        return Verdict.OLE, public(
            f"output limit of {limits.output >> 20} MiB exceeded (stdout and stderr together)"
        )
    if status is ExecStatus.OK:
        return None
    if status is ExecStatus.TIME_LIMIT:
        if result.time_limit_kind == "wall":
            return Verdict.TLE, public(
                f"wall-clock limit of {limits.effective_wall_time:g} s exceeded "
                "(the program was waiting, e.g. for more input, or sleeping)"
            )
        return Verdict.TLE, public(f"CPU time limit of {limits.cpu_time:g} s exceeded")
    if status is ExecStatus.MEMORY_LIMIT:
        return Verdict.MLE, public(f"memory limit of {limits.memory >> 20} MiB exceeded")
    if status is ExecStatus.OUTPUT_LIMIT:
        return Verdict.OLE, public(f"output limit of {limits.output >> 20} MiB exceeded")
    if status is ExecStatus.INTERNAL_ERROR:
        return Verdict.IE, public(f"internal error of the judge: {result.message}")
    stderr = result.stderr.decode("utf-8", errors="replace")
    if any(marker in stderr for marker in memory_error_markers):
        memory = f"memory limit of {limits.memory >> 20} MiB exceeded (runtime)"
        return Verdict.MLE, public(memory)
    if result.signal is not None:
        meaning = _SIGNAL_MEANINGS.get(result.signal, "")
        text = f"killed by {result.signal}" + (f" ({meaning})" if meaning else "")
    else:
        text = f"exit code {result.exit_code}"
    # stderr may echo the input: it is part of the full feedback only.
    full = text + ("\n" + _tail(stderr, 1500) if stderr.strip() else "")
    return Verdict.RTE, Feedback(full, text)


def validator_feedback(verdict: Verdict, message: str) -> Feedback:
    """A validator's message is shown for samples only: it may quote the answer or the input."""
    if verdict is Verdict.IE:
        redacted = "output validator failed (its message is not shown for secret cases)"
    elif verdict is Verdict.WA:
        redacted = "wrong answer (output validator; its message is not shown for secret cases)"
    else:
        redacted = ""
    return Feedback(message, redacted)


def case_result(
    case: TestCase,
    result: ExecResult,
    verdict: Verdict,
    feedback: Feedback,
    *,
    output: bytes | None,
    visible: bool,
    cap: int,
    score: float | None = None,
    difference: Difference | None = None,
    custom: CustomCase | None = None,
) -> CaseResult:
    """The CaseResult of a judged case.

    `visible`: a person may see the case's data and full feedback (a sample, or secrets
    revealed). A custom-input case (`custom`) is the person's own input, so everything
    about the run is shown: its input, output and stderr; the answer only when a
    reference judged the output; an input outside the problem makes the verdict RAN.
    """
    shown = feedback.full if visible else feedback.redacted
    show_answer = visible
    if custom is not None:
        visible, score = True, None
        if custom.rejected is not None:
            verdict = Verdict.RAN  # an input outside the problem: nothing to judge against
            shown = custom.rejected + (f"; your program: {shown}" if shown else "")
        judged = custom.reference is not None and custom.rejected is None
        show_answer = judged and output is not None
    return CaseResult(
        index=case.index,
        name=case.name,
        verdict=verdict,
        time_ms=round(result.cpu_time * 1000),
        wall_time_ms=round(result.wall_time * 1000),
        memory_kb=result.memory // 1024,
        exit_code=result.exit_code,
        signal=result.signal,
        feedback=shown if verdict is not Verdict.AC else "",
        input=_text(_head(case.input_path, cap), cap) if visible else None,
        answer=_text(_head(case.answer_path, cap), cap) if show_answer else None,
        output=_text(output, cap) if visible and output is not None else None,
        score=score,
        # Positions in the program's own output and a value-free kind (what `redacted`
        # says in words): shown for secret cases too. Only with the WA it explains (a
        # custom case's: against the reference's output).
        difference=difference if verdict is Verdict.WA else None,
        stderr=_text(result.stderr, cap) if custom is not None else None,
        output_truncated=output is not None and len(output) > cap if custom is not None else None,
        reference=custom.reference if custom is not None else None,
        input_rejected=custom.rejected if custom is not None else None,
    )


def _head(path: Path, cap: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(cap + 1)


def _text(data: bytes, cap: int) -> str:
    text = data[:cap].decode("utf-8", errors="replace")
    return text + ("\n… (truncated)" if len(data) > cap else "")


def _tail(text: str, cap: int) -> str:
    text = text.strip()
    return text if len(text) <= cap else "…" + text[-cap:]
