"""The default output validator's flags (`validator_flags` in problem.yaml), parsed.

Below both the package loaders (which read the flags) and the checkers (which
apply them), so neither reaches into the other's layer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from judgebox.vocabulary.errors import ProblemPackageError


@dataclass(frozen=True, slots=True)
class CheckerFlags:
    """The default validator's flags (`validator_flags` of a problem)."""

    case_sensitive: bool = False
    space_change_sensitive: bool = False
    float_absolute_tolerance: float | None = None
    float_relative_tolerance: float | None = None

    @property
    def compares_floats(self) -> bool:
        """Whether numbers are compared with a tolerance."""
        return (
            self.float_absolute_tolerance is not None or self.float_relative_tolerance is not None
        )


def parse_validator_flags(args: Sequence[str]) -> CheckerFlags:
    """Parse Kattis default-validator flags such as `case_sensitive float_tolerance 1e-6`."""
    case_sensitive = space_change_sensitive = False
    absolute: float | None = None
    relative: float | None = None
    position = 0
    while position < len(args):
        flag = args[position]
        position += 1
        if flag == "case_sensitive":
            case_sensitive = True
        elif flag == "space_change_sensitive":
            space_change_sensitive = True
        elif flag in ("float_tolerance", "float_absolute_tolerance", "float_relative_tolerance"):
            if position == len(args):
                raise ProblemPackageError(
                    f"validator flag {flag} needs a number after it, e.g. {flag} 1e-6"
                )
            value = _tolerance_value(flag, args[position])
            position += 1
            if flag != "float_relative_tolerance":
                absolute = value
            if flag != "float_absolute_tolerance":
                relative = value
        else:
            raise ProblemPackageError(
                f"unknown validator flag {flag!r}: the default checker understands case_sensitive, "
                "space_change_sensitive, float_tolerance X, float_absolute_tolerance X and "
                "float_relative_tolerance X"
            )
    return CheckerFlags(case_sensitive, space_change_sensitive, absolute, relative)


def _tolerance_value(flag: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ProblemPackageError(
            f"validator flag {flag} needs a non-negative number after it, got {text!r} "
            f"(e.g. {flag} 1e-6)"
        )
    return value
