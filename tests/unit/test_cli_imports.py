"""Start-up cost is paid by every CLI command (issue 17): `import judgebox.cli` loads no server,
no scale-out client and no judge, and what `run`/`verify` load brings no server with it.

Checked in a fresh interpreter (sys.modules of this pytest process already holds everything).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

APLUSB = Path(__file__).resolve().parents[2] / "problems" / "aplusb"
SERVER_SIDE = ("fastapi", "uvicorn", "sse_starlette", "starlette", "nats", "pydantic")


def _loaded_after(code: str) -> set[str]:
    """Top-level and judgebox.* module names loaded by a fresh interpreter running `code`."""
    probe = (
        f"import sys\n{code}\nimport json\n"
        "print(json.dumps(sorted({m if m.startswith('judgebox.') else m.split('.')[0]"
        " for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_cli_loads_no_server_no_worker_no_judge() -> None:
    loaded = _loaded_after("import judgebox.cli")
    assert "judgebox.cli" in loaded
    # typer too is imported only for the command lines _fast_command leaves to it
    unwanted = {*SERVER_SIDE, "typer", "yaml", "rich", "anyio", "asyncio"} & loaded
    assert not unwanted, f"import judgebox.cli loads {sorted(unwanted)}"
    layers = ("judging", "sandbox", "server", "scaleout", "problems")
    judge_side = {m for m in loaded if m.split(".")[1:2] and m.split(".")[1] in layers}
    assert not judge_side, f"import judgebox.cli loads {sorted(judge_side)}"


def test_what_run_and_verify_import_brings_no_server() -> None:
    # the modules `run` and `verify` import when they run (see cli.py)
    loaded = _loaded_after(
        "import judgebox.cli, asyncio, json\n"
        "from judgebox.judging.judge import Judge, Submission\n"
        "from judgebox.languages.table import language_for_file\n"
        "from judgebox.problems.library import ProblemLibrary, submissions\n"
        "from judgebox.problems.package import load_problem\n"
        "from judgebox.sandbox import Sandbox, SandboxConfig\n"
        "from judgebox.settings import settings_from_env\n"
        "from judgebox.vocabulary.events import run_document"
    )
    assert "judgebox.judging.judge" in loaded
    unwanted = {*SERVER_SIDE, "rich"} & loaded
    assert not unwanted, f"`judgebox run` loads {sorted(unwanted)}"
    assert not {m for m in loaded if m.startswith(("judgebox.server", "judgebox.scaleout"))}


def test_a_plain_run_loads_no_typer_no_yaml_no_toml_parser(tmp_path: Path) -> None:
    # `judgebox run PKG SRC --json` as far as it goes without a sandbox: parsed without
    # typer, its problem.yaml read without PyYAML, the language table from the cache
    src = tmp_path / "a.py"
    src.write_text("print(1)\n")
    code = (
        "import judgebox.cli as cli, sys\n"
        "from pathlib import Path\n"
        "from judgebox.languages.table import load_languages\n"
        "from judgebox.problems.package import load_problem\n"
        "from judgebox.vocabulary.probe_cache import ProbeCache\n"
        f"command = cli._fast_command(['run', {str(APLUSB)!r}, {str(src)!r}, '--json'])\n"
        "assert command is not None\n"
        f"load_problem(Path({str(APLUSB)!r}))\n"
        f"load_languages(cache=ProbeCache(Path({str(tmp_path / 'probes')!r})))\n"
        "from judgebox.judging.judge import Submission, Judge\n"
        f"Submission(load_problem(Path({str(APLUSB)!r})), 'python3', 'print(1)')\n"
    )
    _loaded_after(code)  # the first one fills the cache
    loaded = _loaded_after(code)
    # nor uuid (platform's regular expressions) or the case judging (imported while the
    # compiler runs)
    unwanted = {"typer", "yaml", "tomllib", "uuid", "platform", "judgebox.judging.cases"}
    assert not unwanted & loaded, sorted(unwanted & loaded)


def test_a_plain_folder_problem_loads_no_yaml(tmp_path: Path) -> None:
    (tmp_path / "1.in").write_text("1 2\n")
    (tmp_path / "1.ans").write_text("3\n")
    loaded = _loaded_after(
        f"from judgebox.problems.package import load_problem\nload_problem({str(tmp_path)!r})"
    )
    assert "judgebox.problems.package" in loaded and "yaml" not in loaded
