"""The shared battery: every language of the table, really compiled and run in the sandbox.

Per language, one judge run of `programs/<id>/battery.*` over five cases, in one box:

    mode 0, a+b                    -> AC
    mode 0, 20 000 numbers         -> AC (the program reads all of stdin)
    mode 1, a+b (prints sum + 1)   -> WA
    mode 2                         -> RTE, exit code 3
    mode 3 (spins)                 -> TLE

and one run of `programs/<id>/ce.*`, which must be a CE carrying the compiler's (or the
syntax check's) message. Every language in languages.toml is tested: `scripts/setup.sh
--test` installs them all, and a language whose toolchain is missing fails here, loudly.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from sandbox_fixtures import sandbox_fixtures

from judgebox.judging.judge import Judge, Submission
from judgebox.languages.table import load_languages
from judgebox.problems.package import Problem, inline_problem
from judgebox.sandbox import Sandbox
from judgebox.settings import Settings
from judgebox.vocabulary.events import CaseResultEvent, CompileEvent, CompleteEvent, Event
from judgebox.vocabulary.verdicts import Verdict

PROGRAMS = Path(__file__).parent / "programs"
LANGUAGES = load_languages()
# Where the RTE cannot pick its exit code: Algol 68's division by zero is a runtime error.
EXIT_CODE = {"algol68": None}
NO_SYNTAX_CHECK = {"forth"}  # Forth compiles as it reads: a broken program is an RTE

_rng = random.Random(13)
_MANY = [_rng.randint(0, 50_000) for _ in range(20_000)]


def _case(mode: int, numbers: list[int], answer: int) -> dict[str, str]:
    body = "".join(f"{x}\n" for x in numbers)
    return {"input": f"{mode}\n{len(numbers)}\n{body}", "answer": f"{answer}\n"}


CASES = [
    _case(0, [1, 2], 3),
    _case(0, _MANY, sum(_MANY)),
    _case(1, [1, 2], 3),
    _case(2, [], 0),
    _case(3, [], 0),
]
EXPECTED = [Verdict.AC, Verdict.AC, Verdict.WA, Verdict.RTE, Verdict.TLE]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


shared_tmp, sandbox = sandbox_fixtures("judgebox-battery-", uid_base=61500, scope="module")


@pytest.fixture(scope="module")
def judge(shared_tmp: Path, sandbox: Sandbox) -> Judge:
    # 2 s: Elixir and Scala start in 0.5-1 s of CPU; the wall limit (5 s) is the same on a
    # busy CI host.
    settings = Settings(cache_dir=shared_tmp / "cache", parallelism=2, default_time_limit=2.0)
    return Judge(settings, sandbox)


@pytest.fixture(scope="module")
def problem(shared_tmp: Path) -> Problem:
    directory = shared_tmp / "battery"
    problem = inline_problem(CASES, directory)
    for path in directory.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    directory.chmod(0o755)
    return problem


def program(language_id: str, kind: str) -> str:
    found = sorted((PROGRAMS / language_id).glob(f"{kind}.*"))
    assert found, f"tests/languages/programs/{language_id}/{kind}.* is missing"
    return found[0].read_text()


async def judged(judge: Judge, problem: Problem, language: str, code: str) -> list[Event]:
    return [event async for event in judge.run(Submission(problem, language, code))]


@pytest.mark.anyio
@pytest.mark.parametrize("language_id", sorted(LANGUAGES))
async def test_battery(judge: Judge, problem: Problem, language_id: str) -> None:
    started = time.monotonic()
    events = await judged(judge, problem, language_id, program(language_id, "battery"))
    compiled = next(e for e in events if isinstance(e, CompileEvent))
    assert compiled.result.ok, compiled.result.output
    results = [e.result for e in events if isinstance(e, CaseResultEvent)]
    verdicts = [r.verdict for r in results]
    assert verdicts == EXPECTED, [(r.verdict, r.feedback) for r in results]
    rte = results[3]
    wanted = EXIT_CODE.get(language_id, 3)
    if wanted is not None:
        assert rte.exit_code == wanted, rte.feedback
    else:
        assert rte.exit_code not in (None, 0) or rte.signal is not None, rte.feedback
    assert isinstance(events[-1], CompleteEvent)
    took = time.monotonic() - started
    print(f"{language_id}: {took:.1f} s, compile {compiled.result.time_ms} ms")


@pytest.mark.anyio
@pytest.mark.parametrize("language_id", sorted(set(LANGUAGES) - NO_SYNTAX_CHECK))
async def test_compile_error(judge: Judge, problem: Problem, language_id: str) -> None:
    events = await judged(judge, problem, language_id, program(language_id, "ce"))
    compiled = next(e for e in events if isinstance(e, CompileEvent))
    assert not compiled.result.ok
    assert compiled.result.output.strip(), "a CE must carry the compiler's message"
    assert "took too long" not in compiled.result.output
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    assert complete.summary.verdict is Verdict.CE
