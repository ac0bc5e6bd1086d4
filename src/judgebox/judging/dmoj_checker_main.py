"""Runs a DMOJ Python checker INSIDE the sandbox and answers in testlib's codes.

Not imported by judgebox: judge.py copies this file, the problem's checker (as
`dmoj_user_checker.py`) and `dmoj_cases.json` into the checker's program folder, and the
testlib runner (testlib.py) runs it like any testlib checker:

    python3 dmoj_checker_main.py input output answer [result_file [-appes]]

It calls `check(process_output, judge_output, **kwargs)` with DMOJ's keyword arguments
(judge_input, point_value, case_position, batch, problem_id, binary_data, and init.yml's
checker args; submission_source is b"" and execution_time 0: the box does not have them),
and answers: True or a full score is exit 0; a passed result with fewer points than the
case's is exit 7 with `points X`; False is exit 1; an exception, or a return value of
another kind, is exit 3 (FAIL: the problem's fault). `dmoj.result.CheckerResult` and
`dmoj.utils.unicode` exist as small stand-ins so that checkers written for DMOJ import.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import sys
import types
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


class CheckerResult:
    """DMOJ's CheckerResult(passed, points, feedback='', extended_feedback='')."""

    def __init__(
        self, passed: bool, points: float, feedback: str = "", extended_feedback: str = ""
    ) -> None:
        self.passed = passed
        self.points = points
        self.feedback = feedback
        self.extended_feedback = extended_feedback


def utf8bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def utf8text(value: str | bytes, errors: str = "strict") -> str:
    return value.decode("utf-8", errors) if isinstance(value, bytes) else value


def _install_stand_ins() -> None:
    modules: dict[str, types.ModuleType] = {}
    for name in ("dmoj", "dmoj.result", "dmoj.utils", "dmoj.utils.unicode"):
        modules[name] = types.ModuleType(name)
    modules["dmoj.result"].CheckerResult = CheckerResult  # type: ignore[attr-defined]
    modules["dmoj.utils.unicode"].utf8bytes = utf8bytes  # type: ignore[attr-defined]
    modules["dmoj.utils.unicode"].utf8text = utf8text  # type: ignore[attr-defined]
    modules["dmoj"].result = modules["dmoj.result"]  # type: ignore[attr-defined]
    modules["dmoj"].utils = modules["dmoj.utils"]  # type: ignore[attr-defined]
    modules["dmoj.utils"].unicode = modules["dmoj.utils.unicode"]  # type: ignore[attr-defined]
    for name, module in modules.items():
        sys.modules.setdefault(name, module)


def _finish(code: int, outcome: str, message: str, points: float | None = None) -> None:
    """Exit with a testlib code, the message on stderr and, if asked, in the result file."""
    sys.stderr.write(message + "\n")
    if len(sys.argv) > 4:
        attrs = f' outcome="{outcome}"' + (f' points="{points!r}"' if points is not None else "")
        text = html.escape(message, quote=False)
        body = f"<result{attrs}>{text}</result>\n" if sys.argv[5:6] == ["-appes"] else message
        with open(sys.argv[4], "w", encoding="utf-8") as f:
            f.write(body)
    sys.exit(code)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def main() -> None:
    if len(sys.argv) < 4:
        _finish(3, "fail", "usage: dmoj_checker_main.py input output answer [result [-appes]]")
    input_path, output_path, answer_path = sys.argv[1:4]
    with open(os.path.join(HERE, "dmoj_cases.json"), encoding="utf-8") as f:
        table: dict[str, Any] = json.load(f)
    case = table["cases"].get(input_path, {})
    point_value = case.get("point_value", 0)
    kwargs: dict[str, Any] = {
        **table["args"],
        "judge_input": _read(input_path),
        "point_value": point_value,
        "case_position": case.get("case_position", 0),
        "batch": case.get("batch", 0),
        "problem_id": table["problem_id"],
        "submission_source": b"",
        "submission_language": "",
        "binary_data": False,
        "execution_time": 0.0,
    }
    _install_stand_ins()
    try:
        spec = importlib.util.spec_from_file_location(
            "dmoj_user_checker", os.path.join(HERE, "dmoj_user_checker.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        result = module.check(_read(output_path), _read(answer_path), **kwargs)
    except BaseException as error:  # the checker's failure, whatever it is: FAIL
        if isinstance(error, SystemExit):
            _finish(3, "fail", f"the checker called exit({error.code!r})")
        _finish(3, "fail", f"the checker raised {type(error).__name__}: {error}")
    if isinstance(result, bool):
        if result:
            _finish(0, "accepted", "")
        _finish(1, "wrong-answer", "wrong answer")
    if not all(hasattr(result, a) for a in ("passed", "points")):
        _finish(3, "fail", f"check() returned {type(result).__name__}, not a bool or CheckerResult")
    feedback = str(getattr(result, "feedback", "") or "")
    if not result.passed:
        _finish(1, "wrong-answer", feedback or "wrong answer")
    points = float(result.points)
    if point_value and points < point_value:
        _finish(7, "points", f"points {points!r} {feedback}".strip(), points)
    _finish(0, "accepted", feedback)


if __name__ == "__main__":
    main()
