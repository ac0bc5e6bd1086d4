"""The `judgebox` command line as a user runs it: real processes, real sandbox, exit statuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from judgebox.settings import bundled_problems_dir

JUDGEBOX = str(Path(sys.executable).with_name("judgebox"))
PROBLEMS = bundled_problems_dir()


@pytest.fixture(scope="module")
def env() -> Iterator[dict[str, str]]:
    root = Path(tempfile.mkdtemp(prefix="judgebox-cli-tests-", dir="/tmp"))
    root.chmod(0o711)
    yield {
        **os.environ,
        "JUDGEBOX_WORK_ROOT": str(root / "work"),
        "JUDGEBOX_CACHE_DIR": str(root / "cache"),
        "JUDGEBOX_UID_BASE": "61300",
        "JUDGEBOX_PROBLEMS_DIR": str(PROBLEMS),
    }
    shutil.rmtree(root, ignore_errors=True)


def judgebox(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JUDGEBOX, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_run_json_prints_exactly_the_json_document(env: dict[str, str]) -> None:
    source = PROBLEMS / "aplusb" / "submissions" / "accepted" / "aplusb.py"
    out = judgebox(env, "run", "aplusb", str(source), "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)  # nothing else on stdout
    assert set(doc) >= {"runId", "problem", "language", "totalCases", "compile", "cases", "summary"}
    assert doc["problem"] == "aplusb" and doc["language"] == "python3"
    assert doc["compile"]["ok"] is True
    assert len(doc["cases"]) == doc["totalCases"]
    assert doc["summary"] == {
        "verdict": "AC",
        "passed": doc["totalCases"],
        "failed": 0,
        "skipped": 0,
        "completed": True,
        "status": "finished",
    }
    assert doc["cases"][0]["name"].startswith("sample/")
    assert "input" in doc["cases"][0]


def test_run_live_table_and_exit_status_one_on_failure(env: dict[str, str]) -> None:
    source = PROBLEMS / "aplusb" / "submissions" / "wrong_answer" / "subtracts.py"
    out = judgebox(env, "run", str(PROBLEMS / "aplusb"), str(source), "--stop-on-first-failure")
    assert out.returncode == 1
    assert "WA" in out.stdout and "SKIPPED" in out.stdout


def test_run_on_an_input_file_judged_against_the_reference(
    env: dict[str, str], tmp_path: Path
) -> None:
    given = tmp_path / "mine.txt"
    given.write_text("20 22\n")
    source = PROBLEMS / "aplusb" / "submissions" / "wrong_answer" / "subtracts.py"
    out = judgebox(env, "run", "aplusb", str(source), "--input", str(given), "--json")
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    (case,) = doc["cases"]
    assert case["name"] == "mine.txt" and case["verdict"] == "WA"
    assert case["answer"] == "42\n" and case["output"] == "-2\n"
    assert case["reference"] == "submissions/accepted/aplusb.cpp"
    assert doc["totalCases"] == 1 and doc["summary"]["failed"] == 1


def test_run_on_stdin_input_with_the_live_table(env: dict[str, str]) -> None:
    source = PROBLEMS / "aplusb" / "submissions" / "accepted" / "aplusb.py"
    args = [JUDGEBOX, "run", "aplusb", str(source), "--input", "-", "--input", "-"]
    out = subprocess.run(args, env=env, input="1 2\n", capture_output=True, text=True,
                         timeout=300, check=False)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "AC" in out.stdout and "reference output (submissions/accepted/aplusb.cpp)" in out.stdout
    # stdin is read once: the second `-` is an empty input, outside the problem
    assert "RAN" in out.stdout and "input rejected" in out.stdout
    assert "input_validators/validate.py" in out.stdout


def test_run_compile_error_shows_compiler_output(env: dict[str, str]) -> None:
    source = PROBLEMS / "aplusb" / "submissions" / "compile_error" / "missing_semicolon.cpp"
    out = judgebox(env, "run", "aplusb", str(source))
    assert out.returncode == 1
    assert "error" in out.stdout and "compile error" in out.stdout


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["run", "aplusb", "/nonexistent.py"], "no such file or directory"),
        (["run", "no-such-problem", "{src}"], "no-such-problem"),
        (["run", "aplusb", "{src}", "--language", "brainfuck"], "brainfuck"),
        (["run", "../../etc", "{src}"], "problem"),
        (["verify", "/nonexistent"], "no such package"),
    ],
)
def test_usage_errors_exit_two_with_one_line(
    env: dict[str, str], tmp_path: Path, args: list[str], reason: str
) -> None:
    src = tmp_path / "a.py"
    src.write_text("print(1)\n")
    out = judgebox(env, *[a.replace("{src}", str(src)) for a in args])
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0]
    assert "Traceback" not in out.stderr


def test_unknown_extension_is_a_usage_error(env: dict[str, str], tmp_path: Path) -> None:
    src = tmp_path / "a.xyz"
    src.write_text("x\n")
    out = judgebox(env, "run", "aplusb", str(src))
    assert out.returncode == 2 and "extension" in out.stderr


@pytest.mark.parametrize(
    "package", ["aplusb", "hypotenuse", "anysum", "guess", "doubleit", "countdown"]
)
def test_verify_passes_on_every_bundled_package(env: dict[str, str], package: str) -> None:
    out = judgebox(env, "verify", str(PROBLEMS / package), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 0, json.dumps(report, indent=1)
    assert report["ok"] and report["submissions"]
    assert all(
        row["got"] == row["expected"]
        for row in report["submissions"]
        if row["expected"] != "rejected"
    )
    assert all(row["ok"] for row in report["submissions"])


def test_verify_reports_a_mismatch(env: dict[str, str], tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(PROBLEMS / "aplusb", package, ignore=shutil.ignore_patterns("submissions"))
    (package / "submissions" / "accepted").mkdir(parents=True)
    (package / "submissions" / "accepted" / "wrong.py").write_text("print(0)\n")
    out = judgebox(env, "verify", str(package))
    assert out.returncode == 1
    assert "MISMATCH" in out.stdout


def test_languages_and_problems_tables(env: dict[str, str]) -> None:
    langs = judgebox(env, "languages")
    assert langs.returncode == 0
    for language in ("c", "cpp", "python3", "java", "javascript", "rust"):
        assert language in langs.stdout
    probs = judgebox(env, "problems")
    assert probs.returncode == 0
    for name in ("aplusb", "hypotenuse", "anysum", "guess"):
        assert name in probs.stdout


def test_verify_computes_a_missing_time_limit_the_kattis_way(
    env: dict[str, str], tmp_path: Path
) -> None:
    package = tmp_path / "hypot"
    shutil.copytree(PROBLEMS / "hypotenuse", package)
    (package / ".timelimit").unlink()
    (package / "problem.yaml").write_text(
        "name: Hypotenuse\nlimits:\n  time_multiplier: 3\nvalidation: default\n"
        "validator_flags: float_tolerance 1e-6\n"
    )
    out = judgebox(env, "verify", str(package), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 0, report
    # slowest accepted submission (tens of ms) x 3, rounded up to whole seconds
    assert report["timeLimit"].startswith("time limit 1 s (slowest accepted")


# Polygon packages: testlib checker and interactor, solution tags.
DATA = Path(__file__).parent.parent / "data"


@pytest.mark.parametrize(
    "package", ["polygon-aplusb", "polygon-guess", "polygon-groups", "dmoj-batched", "dmoj-archive"]
)
def test_verify_checks_every_solution_tag(env: dict[str, str], package: str) -> None:
    out = judgebox(env, "verify", str(DATA / package), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 0, json.dumps(report, indent=1)
    tags = {row["expected"] for row in report["submissions"]}
    if package.startswith("dmoj"):  # submissions/<verdict>/, as judgebox reads DMOJ folders
        assert tags == {"AC", "WA"}
    else:
        assert "main" in tags and "wrong-answer" in tags
    assert all(row["ok"] for row in report["submissions"])


def test_a_failing_checker_is_the_problems_fault(env: dict[str, str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="judgebox-polygon-", dir="/tmp"))
    root.chmod(0o755)  # the boxes' uids read the package
    package = root / "broken"
    shutil.copytree(DATA / "polygon-aplusb", package)
    (package / "tests" / "02.a").write_text("not a number\n")  # the checker exits 3 (FAIL)
    out = judgebox(env, "run", str(package), str(package / "solutions" / "main.py"), "--json")
    shutil.rmtree(root, ignore_errors=True)
    text = json.dumps(json.loads(out.stdout))
    assert out.returncode == 1
    assert '"IE"' in text and "problem's checker failed" in text


def test_polygon_groups_points_and_dependencies_are_scored(env: dict[str, str]) -> None:
    package = DATA / "polygon-groups"
    out = judgebox(env, "run", str(package), str(package / "solutions/off_by_one_large.py"),
                   "--json")  # fmt: skip
    doc = json.loads(out.stdout)
    groups = {g["name"]: g for g in doc["groups"]}
    assert groups["secret/small"]["score"] == 40
    assert groups["secret/large/04"]["score"] == 15  # the checker's points (exit 7)
    assert (doc["summary"]["score"], doc["summary"]["maxScore"]) == (70, 100)
    out = judgebox(env, "run", str(package), str(package / "solutions/small_wrong.py"), "--json")
    doc = json.loads(out.stdout)
    assert doc["summary"]["score"] == 0
    # secret/large requires secret/small, which failed: its tests are not run
    assert [c["verdict"] for c in doc["cases"]][3:] == ["SKIPPED", "SKIPPED"]


# DMOJ folders: batches with points, a Python checker in the sandbox, archives.
def test_dmoj_batches_and_python_checker_points_are_scored(env: dict[str, str]) -> None:
    package = DATA / "dmoj-batched"
    out = judgebox(env, "run", str(package), str(package / "extra/off_by_one_on_eleven.py"),
                   "--json")  # fmt: skip
    doc = json.loads(out.stdout)
    groups = {g["name"]: g for g in doc["groups"]}
    assert groups["secret/batch1"]["score"] == 30 and groups["secret/batch2"]["score"] == 50
    assert groups["secret/case4"]["score"] == 10  # CheckerResult(True, point_value / 2)
    assert (doc["summary"]["score"], doc["summary"]["maxScore"]) == (90, 100)
    wrong = package / "submissions/wrong_answer/product_when_large.py"
    out = judgebox(env, "run", str(package), str(wrong), "--json")
    doc = json.loads(out.stdout)
    assert {g["name"]: g["score"] for g in doc["groups"]}["secret/batch2"] == 0  # all or nothing
    assert doc["summary"]["score"] == 50


@pytest.mark.parametrize(
    "body",
    [
        "def check(process_output, judge_output, **kwargs):\n    raise KeyError('x')\n",
        "import os\ndef check(process_output, judge_output, **kwargs):\n"
        "    os.kill(os.getpid(), 9)\n",
        "def check(process_output, judge_output, **kwargs):\n    return 'yes'\n",
    ],
)  # a hang and a flood are contained by the same runner: tests/judge/test_testlib.py
def test_a_python_checker_that_fails_is_the_problems_fault(env: dict[str, str], body: str) -> None:
    root = Path(tempfile.mkdtemp(prefix="judgebox-dmoj-", dir="/tmp"))
    root.chmod(0o755)  # the boxes' uids read the package
    package = root / "broken"
    shutil.copytree(DATA / "dmoj-batched", package)
    (package / "checker.py").write_text(body)
    solution = package / "submissions/accepted/sum.py"
    out = judgebox(env, "run", str(package), str(solution), "--json")
    shutil.rmtree(root, ignore_errors=True)
    doc = json.loads(out.stdout)
    assert out.returncode == 1 and doc["summary"]["verdict"] == "IE"
    # the checker's own message may quote hidden data: secret cases show only whose fault
    assert doc["cases"][0]["verdict"] == "IE"
    assert "problem's fault" in doc["cases"][0]["feedback"]


def _flags(help_text: str) -> set[str]:
    return {word.strip("[],") for word in help_text.split() if word.startswith(("--", "[--"))}


def test_both_server_entry_points_take_the_same_flags(env: dict[str, str]) -> None:
    via_cli = judgebox(env, "serve", "--help")
    via_module = subprocess.run(
        [sys.executable, "-m", "judgebox.server", "--help"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert via_cli.returncode == 0 and via_module.returncode == 0, via_cli.stderr
    flags = _flags(via_cli.stdout)
    assert flags == _flags(via_module.stdout)
    assert {"--work-root", "--nats", "--cors-origin", "--allowed-host", "--db"} <= flags


@pytest.mark.parametrize(
    ("variable", "value", "command"),
    [("JUDGEBOX_PORT", "abc", "serve"), ("JUDGEBOX_INSECURE", "maybe", "problems"),
     ("JUDGEBOX_PARALLELISM", "many", "run")],
)  # fmt: skip
def test_a_malformed_variable_is_exit_2_with_one_line_naming_it(
    env: dict[str, str], variable: str, value: str, command: str
) -> None:
    args = [command] + (["aplusb", str(PROBLEMS / "aplusb" / "x.py")] if command == "run" else [])
    out = judgebox({**env, variable: value}, *args)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith(f"judgebox: {variable}={value!r}"), out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def _fake_nats(root: Path, body: str) -> dict[str, str]:
    """A `nats` package that shadows the real one and fails on import as `body` says."""
    (root / "nats").mkdir(parents=True)
    (root / "nats" / "__init__.py").write_text(body)
    return {"PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}


def test_only_a_missing_scaleout_module_means_no_worker(
    env: dict[str, str], tmp_path: Path
) -> None:
    missing = _fake_nats(tmp_path / "a", 'raise ModuleNotFoundError("no nats", name="nats")\n')
    out = judgebox({**env, **missing}, "worker", "--nats", "nats://127.0.0.1:1")
    assert out.returncode == 2 and "no scale-out worker" in out.stderr, out.stderr
    # Any other import failure is a bug to see, not "no scale-out worker".
    broken = _fake_nats(tmp_path / "b", 'raise ImportError("cannot import name broken_part")\n')
    out = judgebox({**env, **broken}, "worker", "--nats", "nats://127.0.0.1:1")
    assert out.returncode == 1, out.stderr
    assert "broken_part" in out.stderr and "no scale-out worker" not in out.stderr


PACKAGES = Path(__file__).resolve().parents[1] / "data" / "packages"


def test_verify_checks_submissions_yaml_ctd_include_and_constants(env: dict[str, str]) -> None:
    out = judgebox(env, "verify", str(PACKAGES / "expectations"), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 0, json.dumps(report, indent=1)
    rows = {row["submission"]: row for row in report["submissions"]}
    # include/python3/helper.py and {{maxn}} substituted in the submission
    assert rows["submissions/accepted/with_include.py"]["got"] == "AC"
    assert rows["submissions/rejected/crash.py"]["expected"] == "RTE"  # @EXPECTED_RESULTS@
    validation = report["inputValidation"]
    assert validation["ok"] and validation["checked"] == 3  # range.ctd on the three inputs
    assert [c["validator"] for c in validation["checks"]] == ["range.viva"]
    assert not validation["checks"][0]["checked"]


def test_verify_flags_a_broken_expectation(env: dict[str, str], tmp_path: Path) -> None:
    package = tmp_path / "twice"
    shutil.copytree(PACKAGES / "expectations", package)
    yaml_file = package / "submissions" / "submissions.yaml"
    # small_only solves the small cases: requiring a WA among them must fail
    yaml_file.write_text(
        yaml_file.read_text() + "wrong_answer:\n  secret/small-*:\n    required: [WA]\n"
    )
    (package / "data" / "secret" / "huge-1.in").write_text("5000\n")  # over {{maxn}}
    (package / "data" / "secret" / "huge-1.ans").write_text("10000\n")
    out = judgebox(env, "verify", str(package), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 1
    row = next(r for r in report["submissions"] if r["submission"].endswith("small_only.py"))
    assert not row["ok"] and any("no case got WA" in f for f in row["failures"])
    bad = [c for c in report["inputValidation"]["checks"] if c["case"] == "secret/huge-1"]
    assert bad and not bad[0]["ok"] and "5000" in bad[0]["message"]


def test_verify_flags_input_a_validator_rejects(env: dict[str, str]) -> None:
    out = judgebox(env, "verify", str(PACKAGES / "badinput"), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 1, report
    assert all(row["ok"] for row in report["submissions"])  # only the data is wrong
    (check,) = report["inputValidation"]["checks"]
    assert check["case"] == "secret/toobig" and "n=50 out of range" in check["message"]


def test_verify_gives_input_validators_the_case_files(env: dict[str, str]) -> None:
    # The spec copies a case's `.files` into the input validator's working directory too:
    # casefiles' validator needs config.txt for the cases that have one, and none else.
    out = judgebox(env, "verify", str(PACKAGES / "casefiles"), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 0, json.dumps(report["inputValidation"], indent=1)
    assert report["inputValidation"]["checks"] == []


@pytest.mark.parametrize("package", ["submitanswer", "submitanswersingle"])
def test_verify_judges_submit_answer_packages(env: dict[str, str], package: str) -> None:
    out = judgebox(env, "verify", str(PACKAGES / package), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 0, json.dumps(report, indent=1)
    got = {row["submission"].split("/", 1)[1]: row["got"] for row in report["submissions"]}
    if package == "submitanswer":  # answer folders: full case names, short names, a gap
        assert got == {
            "accepted/full": "AC",
            "accepted/short": "AC",
            "wrong_answer/negative_missing": "WA",
            "wrong_answer/partly": "WA",
        }
    else:  # one answer file for the one case, checked by the default output validator
        assert got == {"accepted/answer.txt": "AC", "wrong_answer/off_by_one.txt": "WA"}
    assert all(row["maxTimeMs"] == 0 for row in report["submissions"])  # nothing ran


def test_verify_checks_a_message_expectation_on_a_secret_case(env: dict[str, str]) -> None:
    # Beside the work root (not pytest's private tmp): the validator's box reads the package.
    package = Path(env["JUDGEBOX_WORK_ROOT"]).parent / "roots"
    shutil.copytree(PACKAGES / "submitanswer", package)
    for path in [package, *package.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (package / "submissions" / "submissions.yaml").write_text(
        "wrong_answer/partly:\n  message: a message the validator never writes\n"
    )
    out = judgebox(env, "verify", str(package), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 1
    row = next(r for r in report["submissions"] if r["submission"].endswith("partly"))
    assert not row["ok"] and "never writes" in row["failures"][0]


def test_run_judges_a_folder_of_answer_files(env: dict[str, str]) -> None:
    package = PACKAGES / "submitanswer"
    answers = package / "submissions" / "wrong_answer" / "negative_missing"
    out = judgebox(env, "run", str(package), str(answers), "--json")
    document = json.loads(out.stdout)
    assert out.returncode == 1
    verdicts = [(c["name"], c["verdict"]) for c in document["cases"]]
    assert verdicts == [("secret/1", "AC"), ("secret/2", "WA")]
    assert "no answer for this case" in document["cases"][1]["feedback"]


def test_verify_judges_folder_submissions_and_who_ended_first(env: dict[str, str]) -> None:
    # Found on problemtools' `guess` and `different` examples: a folder submission of
    # several files was an IE ("not judged here"); an interactive submission that spins
    # after the validator rejected it was TLE (Kattis: WA), and one that exits before
    # answering was WA (Kattis: RTE, it ended first).
    out = judgebox(env, "verify", str(PACKAGES / "interactiveorder"), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 0, json.dumps(report, indent=1)
    got = {row["submission"].split("/", 1)[1]: row["got"] for row in report["submissions"]}
    assert got == {
        "accepted/twofiles": "AC",
        "run_time_error/exits_at_once.py": "RTE",
        "wrong_answer/spins_after_rejection.py": "WA",
        "wrong_answer/crashes_on_eof.c": "WA",
        "wrong_answer/writes_on.c": "WA",
    }
    spun = next(r for r in report["submissions"] if "spins" in r["submission"])
    assert spun["maxTimeMs"] < 2000  # its time ends with the validator's, not at the limit
