"""One exit status by a fixed precedence (pure): internal > output > memory > time > signal."""

from __future__ import annotations

import dataclasses
import signal

import pytest

from judgebox.sandbox.execution import (
    ExecResult,
    ExecStatus,
    Observation,
    classify,
    signal_name,
)

MiB = 1024 * 1024
CLEAN = Observation(
    wait_status=0,
    cpu_time=0.1,
    wall_time=0.2,
    memory=4 * MiB,
    cpu_limit=1.0,
    wall_limit=3.0,
    memory_limit=64 * MiB,
    output_size=10,
    output_limit=MiB,
    oom_killed=False,
    killed_for=None,
)


def exited(code: int) -> int:
    """A wait status for exit(code)."""
    return code << 8


def killed(sig: signal.Signals) -> int:
    """A wait status for death by `sig`."""
    return int(sig)


def status_of(**changes: object) -> ExecStatus:
    return classify(dataclasses.replace(CLEAN, **changes))[0]  # type: ignore[arg-type]


def test_clean_exit_is_ok() -> None:
    assert classify(CLEAN) == (ExecStatus.OK, 0, None, None, "")


def test_nonzero_exit() -> None:
    status, code, sig, kind, message = classify(dataclasses.replace(CLEAN, wait_status=exited(3)))
    assert (status, code, sig, kind) == (ExecStatus.NONZERO_EXIT, 3, None, None)
    assert message == "exit code 3"


def test_death_by_signal() -> None:
    observation = dataclasses.replace(CLEAN, wait_status=killed(signal.SIGSEGV))
    status, code, sig, _, message = classify(observation)
    assert (status, code, sig) == (ExecStatus.SIGNALED, None, "SIGSEGV")
    assert message == "killed by SIGSEGV"


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"killed_for": "cpu", "wait_status": killed(signal.SIGKILL)}, "cpu"),
        ({"wait_status": killed(signal.SIGXCPU)}, "cpu"),
        ({"cpu_time": 1.01}, "cpu"),  # exited by itself, but over the limit
        ({"killed_for": "wall", "wait_status": killed(signal.SIGKILL)}, "wall"),
        ({"wall_time": 3.5}, "wall"),
        ({"killed_for": "wall", "cpu_time": 1.2}, "cpu"),  # CPU wins over wall
    ],
)
def test_time_limits(changes: dict[str, object], kind: str) -> None:
    status, _, _, time_kind, _ = classify(dataclasses.replace(CLEAN, **changes))  # type: ignore[arg-type]
    assert (status, time_kind) == (ExecStatus.TIME_LIMIT, kind)


def test_memory_limit_is_the_oom_kill() -> None:
    assert status_of(oom_killed=True, wait_status=killed(signal.SIGKILL)) is ExecStatus.MEMORY_LIMIT
    # A peak at the limit without an OOM kill (the program freed and went on) is not MLE.
    assert status_of(memory=64 * MiB) is ExecStatus.OK


@pytest.mark.parametrize(
    "changes",
    [
        {"output_size": MiB + 1},
        {"wait_status": killed(signal.SIGXFSZ)},
    ],
)
def test_output_limit(changes: dict[str, object]) -> None:
    assert status_of(**changes) is ExecStatus.OUTPUT_LIMIT


def test_output_exactly_at_the_limit_is_fine() -> None:
    assert status_of(output_size=MiB) is ExecStatus.OK


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # internal error beats everything
        ({"internal_error": "boom", "oom_killed": True, "output_size": 2 * MiB},
         ExecStatus.INTERNAL_ERROR),
        ({"wait_status": None}, ExecStatus.INTERNAL_ERROR),
        # output beats memory, time and signal
        ({"output_size": 2 * MiB, "oom_killed": True, "killed_for": "cpu"},
         ExecStatus.OUTPUT_LIMIT),
        # memory beats time and signal
        ({"oom_killed": True, "killed_for": "cpu", "wait_status": killed(signal.SIGKILL)},
         ExecStatus.MEMORY_LIMIT),
        # time beats the signal that enforced it, and a crash after the limit
        ({"killed_for": "wall", "wait_status": killed(signal.SIGSEGV)}, ExecStatus.TIME_LIMIT),
        # a signal is reported as such
        ({"wait_status": killed(signal.SIGABRT)}, ExecStatus.SIGNALED),
    ],
)  # fmt: skip
def test_precedence(changes: dict[str, object], expected: ExecStatus) -> None:
    assert status_of(**changes) is expected


def test_internal_error_keeps_its_message() -> None:
    observation = dataclasses.replace(CLEAN, internal_error="the box supervisor died")
    assert classify(observation) == (
        ExecStatus.INTERNAL_ERROR, None, None, None, "the box supervisor died",
    )  # fmt: skip
    assert classify(dataclasses.replace(CLEAN, wait_status=None))[4] == "did not run"


def test_signal_names() -> None:
    assert signal_name(9) == "SIGKILL"
    assert signal_name(99) == "SIG99"


def test_exec_result_ok_only_for_ok() -> None:
    base = ExecResult(ExecStatus.OK, 0, None, 0.0, 0.0, 0)
    assert base.ok
    assert not dataclasses.replace(base, status=ExecStatus.NONZERO_EXIT, exit_code=1).ok
