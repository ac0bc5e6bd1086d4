"""Hostile programs sent through the HTTP API get the verdicts the sandbox tests give them.

The programs that try something forbidden print the errno name they got, and
the inline case's answer is the name the sandbox tests expect (tests/sandbox/
test_isolation.py): AC means the attempt failed exactly that way. The rest
must hit their limit (tests/sandbox/test_limits.py, test_processes.py). All run
at once, and afterwards the server judges normally and nothing is left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import httpx
import pytest
from fault_programs import PY_APLUSB
from fault_server import tracebacks, wait_no_leftovers

if TYPE_CHECKING:  # the fixture's type (conftest is not importable by name)
    from conftest import StartServer

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

FORK_BOMB = "#include <unistd.h>\nint main(void){for(;;)fork();}\n"
MEMORY_BOMB = r"""
#include <stdlib.h>
#include <string.h>
int main(void) {
    for (int i = 0; i < 1024; i++) { char *p = malloc(1 << 20); memset(p, 1, 1 << 20); }
    return 0;
}
"""
KILL_EVERYONE = r"""
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    if (kill(-1, SIGKILL) == 0) { puts("killed everyone"); return 0; }
    puts(errno == EPERM ? "EPERM" : strerror(errno));
    return 0;
}
"""
PY_ERRNO = (
    "import errno\ntry:\n{attempt}\n    print('allowed')\n"
    "except OSError as e:\n    print(errno.errorcode[e.errno])\n"
)
CONNECT = "    import socket\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)"
READ_SHADOW = "    open('/etc/shadow').read()"
FLOOD = "import sys\nb = b'x' * 65536\nwhile True:\n    sys.stdout.buffer.write(b)\n"
SLEEP = "import time\ntime.sleep(30)\n"


def hostile_programs(port: int) -> dict[str, tuple[str, str, str, set[str]]]:
    """name -> (language, code, answer, verdicts the sandbox tests allow)."""
    return {
        "fork bomb": ("c", FORK_BOMB, "", {"TLE", "RTE"}),
        "memory bomb": ("c", MEMORY_BOMB, "", {"MLE"}),
        "stdout flood": ("python3", FLOOD, "", {"OLE"}),
        "sleep": ("python3", SLEEP, "", {"TLE"}),
        "kill(-1)": ("c", KILL_EVERYONE, "EPERM\n", {"AC"}),
        "connect to the server": (
            "python3",
            PY_ERRNO.format(attempt=CONNECT.format(port=port)),
            "EAFNOSUPPORT\n",
            {"AC"},
        ),
        "read /etc/shadow": ("python3", PY_ERRNO.format(attempt=READ_SHADOW), "ENOENT\n", {"AC"}),
    }


async def test_hostile_programs_get_the_sandbox_verdicts_over_http(
    start_server: StartServer,
) -> None:
    server = start_server({
        "JUDGEBOX_MAX_ACTIVE_RUNS": "4", "JUDGEBOX_PARALLELISM": "1",
        "JUDGEBOX_DEFAULT_TIME_LIMIT": "1", "JUDGEBOX_DEFAULT_OUTPUT_LIMIT": "8m",
    })  # fmt: skip
    results: dict[str, dict[str, object]] = {}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:

        async def judge(name: str, language: str, code: str, answer: str) -> None:
            body = {"language": language, "code": code,
                    "cases": [{"name": name, "input": "", "answer": answer}]}  # fmt: skip
            response = await client.post("/validate-dataset", json=body)
            assert response.status_code == 200, response.text
            results[name] = response.json()

        programs = hostile_programs(server.port)
        async with anyio.create_task_group() as tg:
            for name, (language, code, answer, _) in programs.items():
                tg.start_soon(judge, name, language, code, answer)

        for name, (_, _, _, allowed) in programs.items():
            document = results[name]
            assert document["compile"]["ok"], (name, document["compile"])  # type: ignore[index]
            case = document["cases"][0]  # type: ignore[index]
            assert case["verdict"] in allowed, (name, case)
            assert document["summary"]["status"] == "finished", (name, document)  # type: ignore[index]
        memory = results["memory bomb"]["cases"][0]["memoryKb"]  # type: ignore[index]
        assert memory >= 200 * 1024, f"MLE reported at {memory} KiB, under the 256 MiB limit"
        sleep = results["sleep"]["cases"][0]  # type: ignore[index]
        assert sleep["wallTimeMs"] >= 2900 and sleep["timeMs"] < 500, sleep  # wall, not CPU

        assert (await client.get("/healthz")).status_code == 200
        plain = {"problem": "five", "language": "python3", "code": PY_APLUSB}
        after = await client.post("/validate-dataset", json=plain)
        assert after.json()["summary"]["verdict"] == "AC"
    assert not wait_no_leftovers(server.files.work_root, server.instance)
    assert not tracebacks(server.log()), tracebacks(server.log())
