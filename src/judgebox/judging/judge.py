"""Judge a submission: compile once, run every case in a sandbox, check it, emit events in order.

    Judge.run(submission)            async generator (the transports iterate it)
      └─ producer task               owns the workspace and the task group
           compile (cached)          -> StartEvent, CompileEvent
           slot 1..p: one box each   -> results[i] as they finish (any order)
           emitter                   -> CaseResultEvent i, in dataset order
                                        (scoring: GroupResultEvent as each group is decided;
                                        a case of a group whose required group failed is
                                        SKIPPED, not run)
                                     -> CompleteEvent

The generator never yields from inside a task group (PEP 789): the producer
sends events through a memory stream. Closing the generator or cancelling the
task that iterates it SIGKILLs every box of the run synchronously (by group),
then cancels the producer, whose boxes reap and clean up in shielded scopes.
The judge emits `complete` for finished runs, compile errors and internal
errors; a transport that cancels a run emits its own `complete`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import os
import shutil
import sys
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from anyio.streams.memory import MemoryObjectSendStream

from judgebox.judging.answers import ANSWER_LANGUAGE, ANSWER_LANGUAGE_ID, match_answers
from judgebox.judging.compilation import Artifact, CacheLimits, compile_source
from judgebox.judging.problem_limits import problem_limits
from judgebox.judging.timelimits import TimeLimit, TimeLimits
from judgebox.languages.entry_points import (
    EntryPoint,
    EntryPointError,
    entry_point,
    submission_files,
)
from judgebox.languages.table import (
    Language,
    language_for_file,
    load_languages,
    resolve_language_id,
)
from judgebox.languages.toolchains import (
    Toolchain,
    available_languages,
    probe_toolchain,
    require_toolchain,
)
from judgebox.problems.common import substitute
from judgebox.problems.includes import included_files
from judgebox.problems.model import Problem, TestCase, Validation
from judgebox.sandbox import BOX_DIR, Box, Mount, Sandbox
from judgebox.sandbox.host import require_searchable
from judgebox.settings import Settings
from judgebox.vocabulary.errors import (
    JudgeboxError,
    ProblemPackageError,
    ToolchainUnavailableError,
    UnknownLanguageError,
)
from judgebox.vocabulary.events import (
    CaseResultEvent,
    CompileEvent,
    CompleteEvent,
    Event,
    GroupResultEvent,
    StartEvent,
)
from judgebox.vocabulary.probe_cache import ProbeCache
from judgebox.vocabulary.verdicts import CaseResult, CompileResult, RunStatus, Verdict, summarize

if TYPE_CHECKING:
    from judgebox.judging.cases import CaseJudge, SlotBoxes
    from judgebox.judging.custom import CustomJudging
    from judgebox.judging.scoring import Scoreboard
    from judgebox.judging.validators import ValidatorProgram

log = logging.getLogger("judgebox.judging.judge")
# What judging the cases needs beyond the compile: a run imports these in a thread while
# its compiler runs (issue 17: a cold `judgebox run` paid them before compiling).
CASE_MODULES = (
    "judgebox.judging.cases",
    "judgebox.judging.custom",
    "judgebox.judging.dmoj_checker",
    "judgebox.judging.scoring",
    "judgebox.judging.validators",
    "judgebox.problems.programs",
)
_TESTLIB = (Validation.TESTLIB, Validation.TESTLIB_INTERACTIVE)


class LazyToolchains(Mapping[str, Toolchain]):
    """The present toolchains, each probed when first needed (a CLI run probes one, not nine)."""

    def __init__(self, languages: Mapping[str, Language], cache: ProbeCache | None = None) -> None:
        self._languages = languages
        self._cache = cache
        self._probed: dict[str, Toolchain | None] = {}
        self._all: dict[str, Toolchain] | None = None

    def __getitem__(self, language_id: str) -> Toolchain:
        if self._all is not None:
            return self._all[language_id]
        if language_id not in self._probed:
            language = self._languages.get(language_id)
            try:
                found = (
                    probe_toolchain(language, cache=self._cache) if language is not None else None
                )
            except JudgeboxError:
                found = None
            self._probed[language_id] = found
        toolchain = self._probed[language_id]
        if toolchain is None:
            raise KeyError(language_id)
        return toolchain

    def _everything(self) -> dict[str, Toolchain]:
        if self._all is None:
            self._all = available_languages(self._languages)
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())


def new_run_id() -> str:
    """A random version-4 UUID as 32 hex digits, what `uuid.uuid4().hex` gives.

    Made here because importing uuid imports platform, whose regular expressions were
    3-4 % of a cold `judgebox run`'s own start-up (issue 17)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 4122 variant
    return raw.hex()


def language_info(toolchain: Toolchain) -> dict[str, Any]:
    """One language as GET /languages and `judgebox languages` show it."""
    language = toolchain.language
    return {
        "id": language.id,
        "name": language.name,
        "version": toolchain.version,
        "compiled": language.compiled,
        "extensions": list(language.extensions),
        "aliases": list(language.aliases),
        "entry": language.entry,
        "compile": language.shown_command(language.compile),
        "run": language.shown_command(language.run),
    }


@dataclass(frozen=True, slots=True)
class Submission:
    """What to judge: a program in a language against a problem's dataset."""

    problem: Problem
    language: str
    code: str
    stop_on_first_failure: bool = False
    run_id: str = field(default_factory=lambda: new_run_id())
    # Results of the first cases, already judged by a worker that died: they are
    # emitted again (same order, same sequence numbers) and not run again.
    previous_results: tuple[CaseResult, ...] = ()
    # A multi-file submission (name, text), sorted by name; `code` is then unused.
    files: tuple[tuple[str, str], ...] = ()


class Judge:
    """Turns submissions into events. One per process; runs may go on concurrently."""

    def __init__(
        self,
        settings: Settings,
        sandbox: Sandbox,
        languages: Mapping[str, Language] | None = None,
        toolchains: Mapping[str, Toolchain] | None = None,
        *,
        boxes_during_compile: bool = False,
    ) -> None:
        self.settings = settings
        self.sandbox = sandbox
        # Start the run's boxes while the compiler runs (see EarlyBoxes). Off by default: a
        # run then holds `parallelism + 1` uids for a while, which the server's and the
        # worker's uid budgets (`parallelism` per run) do not count; the CLI judges one run
        # at a time and turns it on.
        self.boxes_during_compile = boxes_during_compile
        self.early_boxes_used = 0  # boxes started during a compile that judged cases (tests)
        # Compiled programs are mounted into boxes from here: say so now if the boxes can't.
        settings.cache_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
        require_searchable(settings.cache_dir)
        self.cache_limits = CacheLimits(
            artifact_bytes=settings.artifact_size_limit,
            total_bytes=settings.compile_cache_limit,
            grace_seconds=settings.compile_cache_grace,
        )
        probes = sandbox.probe_cache()
        self.languages = dict(languages) if languages is not None else load_languages(cache=probes)
        self.toolchains: Mapping[str, Toolchain] = (
            dict(toolchains) if toolchains is not None else LazyToolchains(self.languages, probes)
        )
        self.time_limits = TimeLimits(settings.cache_dir, settings.default_time_limit)

    async def time_limit(self, problem: Problem) -> TimeLimit:
        """The problem's time limit: stated, or inferred from its submissions (cached)."""
        if problem.submit_answer and problem.time_limit is None:  # nothing runs: nothing to time
            return TimeLimit(self.settings.default_time_limit, "default",
                             "submit-answer: no program runs")  # fmt: skip
        return await self.time_limits.resolve(problem, self._judge_file)

    async def _judge_file(
        self, problem: Problem, path: Path, stop: bool
    ) -> list[CaseResult] | None:
        """One example submission's case results (None: it cannot be judged here)."""
        try:
            language = language_for_file(path, self.languages)
            self.language(language.id)
            code = await asyncio.to_thread(path.read_text, encoding="utf-8")
            code = substitute(code, problem.constants)  # example submissions: spec "Constants"
        except (JudgeboxError, UnicodeDecodeError, OSError):
            return None
        results: list[CaseResult] = []
        submission = Submission(problem, language.id, code, stop_on_first_failure=stop)
        async for event in self.run(submission):
            if isinstance(event, CaseResultEvent):
                results.append(event.result)
        return results

    def languages_info(self) -> list[dict[str, Any]]:
        """GET /languages: the languages whose toolchain is present."""
        return [language_info(t) for t in self.toolchains.values()]

    def missing_languages(self) -> dict[str, str]:
        """The table's languages whose toolchain is absent -> the Debian packages that bring it."""
        offered = set(self.toolchains)
        return {
            lid: " ".join(language.packages) or "(see languages.toml)"
            for lid, language in self.languages.items()
            if lid not in offered
        }

    def language(self, language_id: str) -> Language:
        """The language of an id (or an alias such as `python`), or UnknownLanguageError
        naming the offered ones; a known language whose toolchain is missing is a
        ToolchainUnavailableError naming the Debian package that brings it. `answer` is the
        language of a submit-answer problem's answer files (judging/answers.py)."""
        if language_id == ANSWER_LANGUAGE_ID:
            return ANSWER_LANGUAGE
        table_id = resolve_language_id(language_id, self.languages)
        if table_id in self.languages and table_id not in self.toolchains:
            language = self.languages[table_id]
            packages = " ".join(language.packages) or "its toolchain"
            raise ToolchainUnavailableError(
                f"language {table_id} ({language.name}) is not installed on this server: "
                f"install the Debian package {packages} (scripts/setup.sh --languages "
                f"{table_id}); offered here: {', '.join(self.toolchains) or 'none'}"
            )
        return require_toolchain(table_id, self.toolchains).language

    def require_kind(self, problem: Problem, language_id: str) -> None:
        """UnknownLanguageError unless the language fits the problem: `answer` for a
        submit-answer problem (its answer files), a program's language for any other."""
        answers = resolve_language_id(language_id, self.languages) == ANSWER_LANGUAGE_ID
        if answers == problem.submit_answer:
            return
        raise UnknownLanguageError(
            f"problem {problem.name} is submit-answer: send its answer files with the "
            f'language "{ANSWER_LANGUAGE_ID}"'
            if problem.submit_answer
            else f'the language "{ANSWER_LANGUAGE_ID}" is for submit-answer problems; '
            f"{problem.name} takes a program"
        )

    async def run(self, submission: Submission) -> AsyncGenerator[Event, None]:
        """The run's events, in order. Raises UnknownLanguageError before any event."""
        language = self.language(submission.language)
        self.require_kind(submission.problem, language.id)
        send, receive = anyio.create_memory_object_stream[Event](math.inf)
        producer = asyncio.ensure_future(self._produce(submission, language, send))
        try:
            async with receive:
                while True:
                    # What is queued is taken without a checkpoint (an event-loop pass per
                    # event); only an empty stream is awaited.
                    try:
                        event = receive.receive_nowait()
                    except anyio.WouldBlock:
                        try:
                            event = await receive.receive()
                        except anyio.EndOfStream:
                            break
                    except anyio.EndOfStream:
                        break
                    yield event
            await producer
        finally:
            if not producer.done():
                killed = self.sandbox.kill_group(submission.run_id)
                producer.cancel()
                log.debug("run %s: stopped, %d boxes killed", submission.run_id, killed)
                with anyio.CancelScope(shield=True):
                    await asyncio.wait({producer}, timeout=10.0)

    async def _produce(
        self, sub: Submission, language: Language, send: MemoryObjectSendStream[Event]
    ) -> None:
        problem = sub.problem
        total = len(problem.cases)
        results: list[CaseResult] = []
        workspace = self.sandbox.workspace(sub.run_id)
        # What judging cases needs is imported once the compiler runs (after the early
        # boxes are up: an import thread would slow their start, it holds the GIL).
        case_modules = _CaseModules()
        early = EarlyBoxes(self.sandbox, workspace, sub.run_id, self._early_box_count(sub),
                           then=case_modules.start)  # fmt: skip
        async with send, early:
            try:
                await send.send(StartEvent(sub.run_id, problem.name, language.id, total))
                answers = None
                if problem.submit_answer:  # the answer files are the output: nothing compiles
                    answers = await asyncio.to_thread(match_answers, problem.cases,
                                                      dict(sub.files), sub.code)  # fmt: skip
                    note = f"submit-answer: {len(answers)} of {total} cases answered"
                    artifact = Artifact(workspace, "", CompileResult(ok=True, time_ms=0,
                                                                     output=note))  # fmt: skip
                elif problem.time_limit is None:  # the package's way, once per package content
                    limit = await self.time_limit(problem)
                    problem = dataclasses.replace(problem, time_limit=limit.seconds)
                    sub = dataclasses.replace(sub, problem=problem)
                if answers is None:
                    artifact = await self._compile(sub, language, workspace, early.begin)
                await case_modules.ready()
                from judgebox.judging.cases import CaseJudge
                from judgebox.judging.scoring import Scoreboard

                started = await early.take(artifact)
                self.early_boxes_used += len(started)
                await send.send(CompileEvent(artifact.result))
                if not artifact.result.ok:
                    summary = summarize(total, [], RunStatus.COMPILE_ERROR, compile_ok=False)
                    await send.send(CompleteEvent(summary))
                    return
                validator = await self._validator(problem, workspace)
                checker, interactor = await self._testlib(problem, workspace)
                case_judge = CaseJudge(
                    settings=self.settings,
                    problem=problem,
                    language=language,
                    artifact=artifact,
                    validator=validator,
                    workspace=workspace,
                    custom=await self._custom(sub, workspace),
                    testlib_checker=checker,
                    testlib_interactor=interactor,
                    answers=answers,
                )
                board = Scoreboard(problem) if problem.scoring else None
                await self._judge_cases(sub, case_judge, send, results, board, started)
                score, max_score = board.total() if board is not None else (None, None)
                summary = summarize(total, results, RunStatus.FINISHED, score=score,
                                    max_score=max_score)  # fmt: skip
                graded = board.verdict() if board is not None else None
                if graded is not None and summary.verdict is not Verdict.CE:
                    summary = dataclasses.replace(summary, verdict=graded)
                await send.send(CompleteEvent(summary))
            except Exception as exc:  # the judge's fault, whatever it is: the run says so
                if isinstance(exc, JudgeboxError | OSError):
                    log.error("run %s: internal error: %s", sub.run_id, exc)
                else:
                    log.exception("run %s: internal error", sub.run_id)
                summary = summarize(total, results, RunStatus.INTERNAL_ERROR)
                with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                    await send.send(CompleteEvent(summary))
            finally:
                shutil.rmtree(workspace, ignore_errors=True)

    def _early_box_count(self, sub: Submission) -> int:
        """How many run boxes to start during the compile (0: none)."""
        problem = sub.problem
        if (
            not self.boxes_during_compile
            or problem.submit_answer
            or problem.validation is not Validation.DEFAULT
            or problem.testlib_checker is not None
            or problem.testlib_interactor is not None
            or any(case.custom for case in problem.cases)
            or any(case.files_dir is not None for case in problem.cases)
        ):
            # a checker's or reference's box is needed too, or the slot's /case mount of
            # `.files` (judging/case_files.py): keep that path as is
            return 0
        todo = len(sub.problem.cases) - len(sub.previous_results)
        count = max(0, min(self.settings.parallelism, todo))
        # Leave the compile box its uid, and never take the last ones.
        return count if count + 1 < self.sandbox.free_uids else 0

    async def _compile(
        self,
        sub: Submission,
        language: Language,
        workspace: Path,
        on_build: Callable[[Path], Awaitable[None] | None] | None = None,
    ) -> Artifact:
        code = sub.code.encode("utf-8") + b"".join(text.encode("utf-8") for _, text in sub.files)
        problem = sub.problem
        if problem.code_limit is not None and len(code) > problem.code_limit:
            too_big = CompileResult(
                ok=False, time_ms=0,
                output=f"the source is {len(code) / 1024:.1f} KiB, over the problem's code "
                f"limit of {problem.code_limit / 1024:g} KiB",
            )  # fmt: skip
            return Artifact(workspace, "", too_big)
        if problem.compilation_time is not None or problem.compilation_memory is not None:
            language = dataclasses.replace(
                language,
                compile_time=problem.compilation_time or language.compile_time,
                compile_memory=problem.compilation_memory or language.compile_memory,
            )
        # Scanning submitted text is CPU-bound: never on the event loop (one worker-thread
        # trip for all of it: each trip waits for a thread, issue 17).
        try:
            files, included, entry = await asyncio.to_thread(_sources, sub, language)
        except EntryPointError as error:  # the submission's fault: a CE that says why
            return Artifact(workspace, "", CompileResult(ok=False, time_ms=0, output=str(error)))
        version = self.toolchains[language.id].version
        sources = {name: text.encode("utf-8") for name, text in files.items()}
        sources.update(included)  # the included bytes as they are
        code = sources.pop(entry.file)
        return await compile_source(
            self.sandbox, language, version, code, entry.file,
            limits=problem_limits(self.settings, sub.problem),
            workspace=workspace, cache_dir=self.settings.cache_dir,
            cache_limits=self.cache_limits, max_time=self.settings.compile_time_limit,
            max_memory=self.settings.compile_memory_limit, extra_files=sources,
            sources=entry.sources, main=entry.main, on_build=on_build,
        )  # fmt: skip

    async def _custom(self, sub: Submission, workspace: Path) -> CustomJudging | None:
        """The reference and input validators, for a run with custom-input cases."""
        from judgebox.judging.custom import CustomJudging

        problem = sub.problem
        if not any(case.custom for case in problem.cases):
            return None
        base_limits = None
        if problem.custom_package is not None:
            # The reference runs under the package's own limits, not a request's lower ones
            # (kept by custom_problem: the package is not loaded again for each run).
            time_limit, memory, output = problem.reference_limits
            own = dataclasses.replace(
                problem, time_limit=time_limit, memory_limit=memory, output_limit=output
            )
            base_limits = problem_limits(self.settings, own)
        return await CustomJudging.prepare(
            self.sandbox, sub.run_id, problem, base_limits, self.languages, self.toolchains,
            workspace, self.settings.cache_dir, self.cache_limits,
        )  # fmt: skip

    async def _testlib(
        self, problem: Problem, workspace: Path
    ) -> tuple[ValidatorProgram | None, ValidatorProgram | None]:
        """The problem's testlib checker and interactor, compiled with their headers."""
        from judgebox.judging.dmoj_checker import dmoj_checker_program
        from judgebox.judging.validators import ValidatorProgram
        from judgebox.problems.programs import named_program

        programs: list[ValidatorProgram | None] = []
        root = problem.data_root or problem.path
        for source in (problem.testlib_checker, problem.testlib_interactor):
            if source is None or problem.validation not in _TESTLIB:
                programs.append(None)
                continue
            if source.protocol == "dmoj-python":
                named = await asyncio.to_thread(dmoj_checker_program, problem, source,
                                                self.languages)  # fmt: skip
            else:
                named = await asyncio.to_thread(
                    named_program, source.main, source.headers, self.languages
                )
            programs.append(
                await ValidatorProgram.prepare(
                    self.sandbox,
                    root,
                    source.main,
                    (),
                    self.languages,
                    self.toolchains,
                    workspace,
                    self.settings.cache_dir,
                    self.cache_limits,
                    source=named,
                )
            )
        return programs[0], programs[1]

    async def _validator(self, problem: Problem, workspace: Path) -> ValidatorProgram | None:
        from judgebox.judging.validators import VALIDATOR_LIMITS, ValidatorProgram

        if problem.validation is Validation.DEFAULT or problem.validation in _TESTLIB:
            return None
        if problem.output_validator is None:
            raise ProblemPackageError(
                f"problem {problem.name}: its validation is {problem.validation.value} but it "
                "has no output validator; add output_validators/<name>/ to the package"
            )
        limits = VALIDATOR_LIMITS
        if problem.validation_time is not None:
            limits = limits.replace(cpu_time=problem.validation_time,
                                    wall_time=2 * problem.validation_time)  # fmt: skip
        if problem.validation_memory is not None:
            limits = limits.replace(memory=problem.validation_memory)
        if problem.validation_output is not None:
            limits = limits.replace(output=problem.validation_output)
        return await ValidatorProgram.prepare(
            self.sandbox, problem.path, problem.output_validator, problem.validator_flags,
            self.languages, self.toolchains, workspace, self.settings.cache_dir,
            self.cache_limits, limits=limits, constants=problem.constants,
        )  # fmt: skip

    async def _judge_cases(
        self,
        sub: Submission,
        case_judge: CaseJudge,
        send: MemoryObjectSendStream[Event],
        emitted: list[CaseResult],
        board: Scoreboard | None = None,
        started: list[SlotBoxes] | None = None,
    ) -> None:
        """Run the cases on p parallel boxes (`started` ones first); emit results in order."""
        early = list(started or [])
        cases = sub.problem.cases
        n = len(cases)
        slots = max(1, min(self.settings.parallelism, n))
        results: list[CaseResult | None] = [None] * n
        ready = [asyncio.Event() for _ in range(n)]
        for i, previous in enumerate(sub.previous_results[:n]):
            results[i] = previous
            ready[i].set()
        cursor = iter(range(len(sub.previous_results[:n]), n))
        stop_at = n  # with stop-on-first-failure: no case after this index is started

        async def slot() -> None:
            async with contextlib.AsyncExitStack() as stack:
                if early:  # started during the compile; closed by their EarlyBoxes
                    boxes = early.pop()
                else:
                    boxes = await case_judge.open_boxes(self.sandbox, stack, group=sub.run_id)
                for i in cursor:
                    if i > stop_at:
                        ready[i].set()
                        continue
                    if board is not None and board.blocked(cases[i]):
                        results[i] = _skipped(cases[i])  # a group it requires failed
                        ready[i].set()
                        continue
                    result = await case_judge.judge_case(boxes, cases[i])
                    results[i] = result
                    ready[i].set()

        async with anyio.create_task_group() as tg:
            for _ in range(slots):
                tg.start_soon(slot)
            for i in range(n):
                await ready[i].wait()
                result = results[i]
                assert result is not None
                if board is not None and board.blocked(cases[i]):
                    result = _skipped(cases[i])  # it ran before the required group was decided
                emitted.append(result)
                # The buffer is unbounded: no wait, and no checkpoint (an event-loop pass
                # per case) as `send` would take.
                send.send_nowait(CaseResultEvent(result))
                await _record(board, cases[i], result, send)
                if sub.stop_on_first_failure and result.verdict is not Verdict.AC:
                    stop_at = i
                    tg.cancel_scope.cancel()
                    break
        for case in cases[len(emitted) :]:
            skipped = _skipped(case)
            emitted.append(skipped)
            await send.send(CaseResultEvent(skipped))
            await _record(board, case, skipped, send)


class EarlyBoxes:
    """Run boxes started while the compiler runs, so that the first case does not wait for
    a box start after the compile (issue 17: ~10 ms idle, 100-400 ms on a loaded host).

    They bind the build directory read-only; a successful compile renames that very
    directory into the compile cache, and a bind mount follows the directory, not its
    name, so the boxes show the artifact. They are used only if the artifact is that
    directory (same device and inode: a cache twin that won the rename, or a copy across
    file systems, is another one); otherwise they are closed and the slots start their
    own. Nothing runs in them before the compile has ended and the artifact is sealed.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        workspace: Path,
        group: str,
        count: int,
        then: Callable[[], None] | None = None,
    ) -> None:
        self.sandbox, self.workspace, self.group, self.count = sandbox, workspace, group, count
        self.then = then  # called once the boxes are up (at once if none are started)
        self.stack = contextlib.AsyncExitStack()
        self.boxes: list[Box] = []
        self.task: asyncio.Future[None] | None = None
        self.identity: tuple[int, int] | None = None

    def begin(self, build: Path) -> asyncio.Future[None] | None:
        """The compiler is about to run in `build`: start the boxes (in the background).

        Returns what to await before `build` is renamed: the boxes set up (bwrap binds a
        source by its name; seen in CI, a Python syntax check that ended first moved the
        directory away from a box still starting). Shielded: a cancelled wait leaves the
        starting to `__aexit__`.
        """
        if self.task is not None:
            return None
        if self.count <= 0:
            if self.then is not None:
                self.then()
            return None
        st = os.stat(build)
        self.identity = (st.st_dev, st.st_ino)
        self.task = asyncio.ensure_future(self._open(build))
        return asyncio.shield(self.task)

    async def _open(self, build: Path) -> None:
        async def one() -> None:
            box = await self.stack.enter_async_context(
                self.sandbox.box([Mount(build, BOX_DIR)], group=self.group)
            )
            self.boxes.append(box)

        results = await asyncio.gather(*(one() for _ in range(self.count)),
                                       return_exceptions=True)  # fmt: skip
        for result in results:  # a box that failed to start: its slot will start its own
            if isinstance(result, BaseException):
                log.debug("a box started during the compile failed: %s", result)
        if self.then is not None:
            self.then()

    async def take(self, artifact: Artifact) -> list[SlotBoxes]:
        """The started boxes if they show `artifact`, else none (and they are closed)."""
        if self.task is None:
            return []
        await self.task
        try:
            st = os.stat(artifact.directory)
            same = artifact.result.ok and (st.st_dev, st.st_ino) == self.identity
        except OSError:
            same = False
        if not same:
            await self.stack.aclose()
            self.boxes = []
        from judgebox.judging.cases import slot_boxes

        return [slot_boxes(box, None, self.workspace) for box in self.boxes]

    async def __aenter__(self) -> EarlyBoxes:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.wait({self.task})
        with anyio.CancelScope(shield=True):
            await self.stack.aclose()


def _sources(
    sub: Submission, language: Language
) -> tuple[dict[str, str], dict[str, bytes], EntryPoint]:
    """The submission's files (with the problem's include/<language>/ files), the included
    files' bytes, and its entry point (EntryPointError: none)."""
    files = dict(sub.files) or submission_files(language, sub.code)
    # The spec: files of include/<language>/ are part of every submission of it, and an
    # included file wins a name collision (a driver that calls the submission).
    included = included_files(sub.problem, language.id)
    files.update({name: data.decode("utf-8", "replace") for name, data in included.items()})
    return files, included, entry_point(language, files)


class _CaseModules:
    """CASE_MODULES, imported in a worker thread while the compiler runs.

    The compile spends its time waiting for the compiler in the box, so these imports
    cost a cold run (`judgebox run`) no time; they were 50-100 ms before its compile.
    Importing in a thread is safe: the import system locks each module, and judgebox's
    modules import no cycle (tests/unit/test_layers.py). A process that has them (the
    server after its first run) starts no thread."""

    def __init__(self) -> None:
        self.loading: asyncio.Future[None] | None = None

    def start(self) -> None:
        """Begin the imports (once)."""
        missing = [name for name in CASE_MODULES if name not in sys.modules]
        if self.loading is None and missing:
            self.loading = asyncio.ensure_future(asyncio.to_thread(_import_all, missing))

    async def ready(self) -> None:
        """Once they are imported (begun now if not yet)."""
        self.start()
        if self.loading is not None:
            await self.loading


def _import_all(names: list[str]) -> None:
    import importlib

    for name in names:
        importlib.import_module(name)


def _skipped(case: TestCase) -> CaseResult:
    return CaseResult(index=case.index, name=case.name, verdict=Verdict.SKIPPED)


async def _record(
    board: Scoreboard | None,
    case: TestCase,
    result: CaseResult,
    send: MemoryObjectSendStream[Event],
) -> None:
    """Scoring problems: tell the scoreboard, emit the groups this case decided."""
    if board is None:
        return
    for group in board.record(case, result.verdict, result.score):
        await send.send(GroupResultEvent(group))
