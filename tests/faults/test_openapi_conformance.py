"""schemathesis against the server's own /openapi.json: no 5xx, and every response as documented.

Bounded: a fixed seed, 25 examples per operation, every phase (examples,
coverage, fuzzing, stateful), one worker. The checks are the ones about
responses: no server error; status code, content type, headers and body as the
document declares them. A failure names each operation and what was wrong.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fault_server import tracebacks

if TYPE_CHECKING:  # the fixture's type (conftest is not importable by name)
    from conftest import StartServer

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance",
])  # fmt: skip


def failures(output: str) -> list[str]:
    """`OPERATION: STxxx what` for each failure schemathesis printed."""
    found, operation = [], "?"
    for line in output.splitlines():
        heading = re.match(r"^_+ (.+?) _+$", line)
        if heading:
            operation = heading.group(1)
        elif line.startswith("- ST"):
            found.append(f"{operation}: {line[2:]}")
        elif found and line.strip().startswith(("Received:", "Documented:")):
            found[-1] += f" ({line.strip()})"
    return found


def test_every_response_matches_the_openapi_document(start_server: StartServer) -> None:
    server = start_server({"JUDGEBOX_MAX_ACTIVE_RUNS": "2", "JUDGEBOX_PARALLELISM": "1"})
    command = [
        str(SCHEMATHESIS), "run", f"{server.url}/openapi.json", "--checks", CHECKS,
        "--max-examples", "25", "--seed", "20261124", "--workers", "1",
        "--generation-database", "none", "--request-timeout", "60", "--no-color",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=server.files.root,
                          timeout=240, check=False)  # fmt: skip
    output = done.stdout + done.stderr
    assert "Tested: " in output, output[-3000:]  # it really ran against the document
    assert done.returncode == 0, "\n".join(failures(output)) or output[-3000:]
    assert not tracebacks(server.log()), tracebacks(server.log())
