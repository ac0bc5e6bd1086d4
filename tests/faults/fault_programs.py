"""The problem library and the programs that the fault tests send to a server.

problems/five/       Kattis legacy package: 5 secret a+b cases, time limit 2 s
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PY_APLUSB = "a, b = map(int, input().split())\nprint(a + b)\n"
# A case that lasts a moment, so that cancels land mid-case and between cases.
PY_SLEEPY = "import time\ntime.sleep({pause})\na, b = map(int, input().split())\nprint(a + b)\n"
PY_SPIN = "while True:\n    pass\n"
C_APLUSB = (
    '#include <stdio.h>\nint main(void){{long a,b;scanf("%ld %ld",&a,&b);'
    'printf("%ld\\n",a+b);}}\n/* {tag} */\n'
)
# g++ takes ~0.5 s on this; a unique tag defeats the compile cache, so cancels land mid-compile.
CPP_APLUSB = (
    "#include <iostream>\n#include <vector>\n#include <map>\n"
    "int main(){{long long a,b;std::cin>>a>>b;std::cout<<a+b<<std::endl;}}\n// {tag}\n"
)
INLINE_CASES = [{"input": f"{i} {i}\n", "answer": f"{2 * i}\n"} for i in range(1, 4)]


def write_library(root: Path) -> Path:
    """Write the library under `root`; returns it."""
    package = root / "five"
    secret = package / "data" / "secret"
    secret.mkdir(parents=True)
    (package / "problem.yaml").write_text("name: Five sums\nlimits:\n  time_limit: 2\n")
    for i in range(1, 6):
        (secret / f"{i}.in").write_text(f"{i} {i * 10}\n")
        (secret / f"{i}.ans").write_text(f"{i * 11}\n")
    return root


def aplusb_request(kind: str, tag: int, *, pause: float = 0.02) -> dict[str, Any]:
    """A request body judging an a+b program of `kind`; `tag` makes compiled sources unique.

    kinds: py-sleepy (problem five), py-spin (never ends), c-inline (inline cases),
    cpp-cold (problem five, compiled cold).
    """
    if kind == "py-sleepy":
        return {"problem": "five", "language": "python3", "code": PY_SLEEPY.format(pause=pause)}
    if kind == "py-spin":
        return {"problem": "five", "language": "python3", "code": PY_SPIN}
    if kind == "c-inline":
        return {"language": "c", "code": C_APLUSB.format(tag=tag), "cases": INLINE_CASES}
    if kind == "cpp-cold":
        return {"problem": "five", "language": "cpp", "code": CPP_APLUSB.format(tag=tag)}
    raise ValueError(f"unknown program kind {kind!r}")
