"""Reading package files the same way for every loader: YAML, numbers, flags, `.timelimit`.

Every error names the file and the rule it breaks, in one line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from judgebox.problems.plain_yaml import plain_yaml
from judgebox.vocabulary.errors import ProblemPackageError


def read_yaml(file: Path) -> dict[str, Any]:
    """A YAML mapping file, {} if absent or empty; a ProblemPackageError if broken."""
    if not file.is_file():
        return {}
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise _not_yaml(file, error) from None
    plain = plain_yaml(text)  # most files: without importing PyYAML (issue 17)
    if plain is not None:
        return plain
    import yaml  # here: a package without YAML files (a plain folder) never loads it

    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _not_yaml(file, error) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ProblemPackageError(f"{file}: must be a mapping of keys (name:, limits: …)")
    return loaded


def _not_yaml(file: Path, error: Exception) -> ProblemPackageError:
    where = getattr(error, "problem_mark", None)
    at = f" at line {where.line + 1}" if where is not None else ""
    reason = str(error).replace("\n", " ")
    return ProblemPackageError(
        f"{file}: not valid YAML{at} ({reason}); fix the syntax (keys like `limits:` "
        "need a colon, nested keys are indented with spaces)"
    )


def mapping(config: Mapping[str, Any], key: str, file: Path) -> Mapping[str, Any]:
    """A nested mapping key, {} if absent."""
    value = config.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProblemPackageError(f"{file}: `{key}` must be a mapping (indented keys below it)")
    return value


def number(
    config: Mapping[str, Any], key: str, file: Path, *, minimum: float = 0.0, strict: bool = True
) -> float | None:
    """A positive finite number key (> minimum, or >= minimum when not strict), None if absent."""
    value = config.get(key)
    if value is None:
        return None
    what = (
        "a positive number"
        if (minimum, strict) == (0.0, True)
        else (f"a number {'>' if strict else '>='} {minimum:g}")
    )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProblemPackageError(f"{file}: `{key}` must be {what}, not {value!r}")
    if not (value > minimum if strict else value >= minimum):
        raise ProblemPackageError(f"{file}: `{key}` must be {what}, not {value!r}")
    if not math.isfinite(value):
        raise ProblemPackageError(f"{file}: `{key}` must be a finite number, not {value!r}")
    return float(value)


def flags(config: Mapping[str, Any], key: str, file: Path) -> tuple[str, ...] | None:
    """A flags/args key: a string split on spaces or a list of scalars; None if absent."""
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(
        isinstance(flag, str | int | float) and not isinstance(flag, bool) for flag in value
    ):
        return tuple(str(flag) for flag in value)
    raise ProblemPackageError(
        f"{file}: `{key}` must be a list of strings (or one string of space-separated words), "
        f"e.g. {key}: [float_tolerance, '1e-6']"
    )


def read_timelimit(path: Path) -> float | None:
    """`.timelimit` (seconds, as Kattis tools write it) in the package folder, or None."""
    file = path / ".timelimit"
    if not file.is_file():
        return None
    text = file.read_text(encoding="utf-8", errors="replace").strip()
    seconds = _positive_seconds(text)
    if seconds is None:
        raise ProblemPackageError(
            f"{file}: must hold the time limit in seconds (e.g. 2), not {text!r}"
        )
    return seconds


def _positive_seconds(text: str) -> float | None:
    """`text` as a positive, finite number of seconds; None when it is not one."""
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def read_domjudge_ini(path: Path) -> dict[str, str]:
    """DOMjudge's `domjudge-problem.ini` (`key = value` lines), {} if absent."""
    file = path / "domjudge-problem.ini"
    if not file.is_file():
        return {}
    found: dict[str, str] = {}
    for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith((";", "#")):
            found[key.strip()] = value.strip().strip("'\"")
    return found


def domjudge_timelimit(path: Path) -> float | None:
    """The `timelimit` of `domjudge-problem.ini`, or None."""
    text = read_domjudge_ini(path).get("timelimit")
    if text is None:
        return None
    seconds = _positive_seconds(text)
    if seconds is None:
        raise ProblemPackageError(
            f"{path / 'domjudge-problem.ini'}: `timelimit` must be seconds (e.g. 2), not {text!r}"
        )
    return seconds


_CONSTANT = re.compile(r"\{\{([a-zA-Z_][a-zA-Z0-9_]*)\}\}")


def read_constants(config: Mapping[str, Any], file: Path) -> tuple[tuple[str, str], ...]:
    """problem.yaml `constants`: names to int, float or string values, as text."""
    value = config.get("constants")
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ProblemPackageError(f"{file}: `constants` must be a map of names to values")
    found: list[tuple[str, str]] = []
    for name, item in value.items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", name):
            raise ProblemPackageError(
                f"{file}: constant name {name!r} is not [a-zA-Z_][a-zA-Z0-9_]*"
            )
        if isinstance(item, bool) or not isinstance(item, int | float | str):
            raise ProblemPackageError(f"{file}: constant {name} must be an int, float or string")
        found.append((name, str(item)))
    return tuple(found)


def substitute(text: str, constants: tuple[tuple[str, str], ...]) -> str:
    """`{{name}}` replaced by the constant's value; undefined names are left as they are."""
    if not constants or "{{" not in text:
        return text
    table = dict(constants)
    return _CONSTANT.sub(lambda m: table.get(m.group(1), m.group(0)), text)


def substitute_bytes(data: bytes, constants: tuple[tuple[str, str], ...]) -> bytes:
    """`substitute` on a file's bytes (non-UTF-8 files are left as they are)."""
    if not constants or b"{{" not in data:
        return data
    try:
        return substitute(data.decode("utf-8"), constants).encode("utf-8")
    except UnicodeDecodeError:
        return data


def substitute_yaml(value: Any, constants: tuple[tuple[str, str], ...]) -> Any:
    """Every string inside a parsed YAML value, substituted."""
    if isinstance(value, str):
        return substitute(value, constants)
    if isinstance(value, list):
        return [substitute_yaml(v, constants) for v in value]
    if isinstance(value, dict):
        return {k: substitute_yaml(v, constants) for k, v in value.items()}
    return value
