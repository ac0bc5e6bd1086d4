"""judging/validators.py: finding, compiling and running an output validator in a real box."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

from judgebox.judging.judge import Judge
from judgebox.judging.validators import (
    FEEDBACK_DIR,
    PROBLEM_DIR,
    ValidatorProgram,
    read_feedback,
    run_validator,
    validator_verdict,
)
from judgebox.sandbox import BOX_DIR, ExecResult, ExecStatus, Mount
from judgebox.vocabulary.verdicts import Verdict

pytestmark = pytest.mark.anyio

# Kattis output validator: argv input answer feedback_dir; the output on stdin; 42 AC, 43 WA.
VALIDATOR = """import sys
answer = open(sys.argv[2]).read().split()
output = sys.stdin.read().split()
if output == answer:
    sys.exit(42)
open(sys.argv[3] + "judgemessage.txt", "w").write(f"got {output}, wanted {answer}")
sys.exit(43)
"""


def _exec(status: ExecStatus, exit_code: int | None = None, **kw: object) -> ExecResult:
    return ExecResult(status, exit_code, None, 0.0, 0.0, 0, **kw)  # type: ignore[arg-type]


def test_exit_codes_map_to_verdicts() -> None:
    assert validator_verdict(_exec(ExecStatus.NONZERO_EXIT, 42), "") == (Verdict.AC, "")
    assert validator_verdict(_exec(ExecStatus.NONZERO_EXIT, 43), "off by one")[0] is Verdict.WA
    verdict, message = validator_verdict(_exec(ExecStatus.NONZERO_EXIT, 43), "")
    assert verdict is Verdict.WA and message
    piped = ExecResult(ExecStatus.SIGNALED, None, "SIGPIPE", 0.0, 0.0, 0)
    assert validator_verdict(piped, "")[0] is Verdict.WA
    verdict, message = validator_verdict(_exec(ExecStatus.OK, 0), "")
    assert verdict is Verdict.IE and "exit code 0" in message
    late = _exec(ExecStatus.TIME_LIMIT, None, message="CPU time limit exceeded")
    assert validator_verdict(late, "")[0] is Verdict.IE


def test_feedback_is_read_without_following_a_symlink(tmp_path: Path) -> None:
    assert read_feedback(tmp_path) == ""
    (tmp_path / "teammessage.txt").write_text("team\n")
    assert read_feedback(tmp_path) == "team"
    (tmp_path / "judgemessage.txt").write_text("judge\n")
    assert read_feedback(tmp_path) == "judge"  # the judge's message first
    (tmp_path / "judgemessage.txt").unlink()
    (tmp_path / "secret").write_text("host secret")
    os.symlink(tmp_path / "secret", tmp_path / "judgemessage.txt")
    assert read_feedback(tmp_path) == "team"


async def test_a_validator_is_compiled_and_judges_outputs_in_a_box(judge: Judge) -> None:
    sandbox = judge.sandbox
    root = sandbox.workspace(f"validator-tests-{time.time_ns()}")
    problem = root / "problem"
    (problem / "output_validators" / "v").mkdir(parents=True)
    (problem / "output_validators" / "v" / "validator.py").write_text(VALIDATOR)
    (problem / "data").mkdir()
    (problem / "data" / "1.in").write_text("1 2\n")
    (problem / "data" / "1.ans").write_text("3\n")
    for path in (problem, problem / "data", problem / "output_validators"):
        path.chmod(0o755)
    program = await ValidatorProgram.prepare(
        sandbox, problem, problem / "output_validators" / "v", (), judge.languages,
        judge.toolchains, root, judge.settings.cache_dir,
    )  # fmt: skip
    feedback = root / "feedback"
    feedback.mkdir(mode=0o755)
    verdicts = []
    async with contextlib.AsyncExitStack() as stack:
        mounts = [
            Mount(program.artifact.directory, BOX_DIR),
            Mount(problem, PROBLEM_DIR),
            Mount(feedback, FEEDBACK_DIR, writable=True),
        ]
        box = await stack.enter_async_context(sandbox.box(mounts))
        for output in ("3\n", "4\n"):
            (root / "out").write_text(output)
            verdict = await run_validator(
                box, program.argv, problem_root=problem,
                input_path=problem / "data" / "1.in", answer_path=problem / "data" / "1.ans",
                output_path=root / "out", feedback_dir=feedback, flags=(),
            )  # fmt: skip
            verdicts.append(verdict)
    assert verdicts[0] == (Verdict.AC, "")
    assert verdicts[1][0] is Verdict.WA and "wanted ['3']" in verdicts[1][1]
