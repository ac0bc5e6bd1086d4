"""What example submissions must do: `submissions/submissions.yaml`, the default directory
rules, and DOMjudge's `@EXPECTED_RESULTS@:` tags (spec "Example submissions").

A rule names submissions by a glob (brace expansion, `*` within one path part) and
optionally test cases / groups by a second glob, and says: every case's verdict is
`permitted`; at least one is `required`; the submission's (or group's) `score` is
the given number or in the given range; `message` is in at least one case's judge
message. A submission or case matches a glob when it, or a parent folder, does.

Default directory rules (2025-09): accepted, rejected, wrong_answer,
time_limit_exceeded, run_time_error, brute_force; a `submissions.yaml` key naming
the directory exactly replaces the keys it gives. Earlier versions judge a folder
by the spec of their time (legacy / 2023-07: wrong_answer may not TLE or crash,
time_limit_exceeded may WA but not crash, run_time_error anything but must crash).
judgebox's own folders (memory_limit_exceeded, output_limit_exceeded,
compile_error, partially_accepted) keep their meaning. A DOMjudge tag replaces the
directory's rule: the submission's overall verdict is one of those listed.
Memory and output limit cases count as RTE where a rule speaks the spec's four verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judgebox.problems.common import read_yaml
from judgebox.problems.model import Problem
from judgebox.vocabulary.errors import ProblemPackageError

SPEC_VERDICTS = frozenset({"AC", "WA", "TLE", "RTE"})
_ALL = frozenset({"AC", "WA", "TLE", "RTE", "MLE", "OLE"})
_RULE_KEYS = frozenset({
    "language", "entrypoint", "authors", "model_solution", "permitted", "required", "score",
    "message", "use_for_time_limit",
})  # fmt: skip
_DEFAULTS_2025: dict[str, dict[str, Any]] = {
    "accepted": {"permitted": ["AC"]},
    "rejected": {"required": ["RTE", "TLE", "WA"]},
    "wrong_answer": {"permitted": ["AC", "WA"], "required": ["WA"]},
    "time_limit_exceeded": {"permitted": ["AC", "TLE"], "required": ["TLE"]},
    "run_time_error": {"permitted": ["AC", "RTE"], "required": ["RTE"]},
    "brute_force": {"permitted": ["AC", "RTE", "TLE"], "required": ["RTE", "TLE"]},
}
_DEFAULTS_LEGACY: dict[str, dict[str, Any]] = {
    "accepted": {"permitted": ["AC"]},
    "wrong_answer": {"permitted": ["AC", "WA"], "required": ["WA"]},
    "time_limit_exceeded": {"permitted": ["AC", "WA", "TLE"], "required": ["TLE"]},
    "run_time_error": {"permitted": ["AC", "WA", "TLE", "RTE"], "required": ["RTE"]},
}
_JUDGEBOX_FOLDERS: dict[str, dict[str, Any]] = {
    "memory_limit_exceeded": {"permitted": ["AC", "WA", "TLE", "MLE"], "required": ["MLE"]},
    "output_limit_exceeded": {"permitted": ["AC", "WA", "TLE", "OLE"], "required": ["OLE"]},
    "compile_error": {"overall": ["CE"]},
    "partially_accepted": {"permitted": ["AC", "WA", "TLE", "RTE"], "partial": True},
}
# DOMjudge result names in @EXPECTED_RESULTS@ tags, as our verdicts.
DOMJUDGE_RESULTS = {
    "CORRECT": "AC", "WRONG-ANSWER": "WA", "TIMELIMIT": "TLE", "RUN-ERROR": "RTE",
    "NO-OUTPUT": "WA", "OUTPUT-LIMIT": "OLE", "MEMORY-LIMIT": "MLE", "COMPILER-ERROR": "CE",
}  # fmt: skip
_TAG = re.compile(r"@EXPECTED_RESULTS@:\s*([A-Za-z, _-]+)")


@dataclass(frozen=True, slots=True)
class Rule:
    """One requirement on the submissions a glob matches (and the cases `cases` matches)."""

    submissions: str  # the submission glob, relative to submissions/
    source: str  # where it comes from: `submissions.yaml: accepted/*`, `default: accepted`, …
    cases: str | None = None  # test case / group glob (None: every case)
    permitted: frozenset[str] | None = None
    required: frozenset[str] | None = None
    score: tuple[float, float] | None = None
    message: str | None = None
    overall: frozenset[str] | None = None  # the submission's overall verdict (tags, CE)
    partial: bool = False  # a score above 0 and under the maximum


@dataclass(frozen=True, slots=True)
class Outcome:
    """A judged submission: overall verdict, each case's verdict and judge message, scores."""

    verdict: str
    cases: Sequence[tuple[str, str, str]]  # (name, verdict, judge message), cases that ran
    score: float | None = None
    max_score: float | None = None
    group_scores: Mapping[str, float | None] = field(default_factory=dict)


def expand_braces(pattern: str) -> list[str]:
    """`a{b,c{d,e}}` -> [ab, acd, ace]: the first (outermost) brace pair, recursively."""
    depth, start = 0, -1
    for i, ch in enumerate(pattern):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                body, parts, level, last = pattern[start + 1 : i], [], 0, 0
                for j, c in enumerate(body):
                    level += (c == "{") - (c == "}")
                    if c == "," and level == 0:
                        parts.append(body[last:j])
                        last = j + 1
                parts.append(body[last:])
                head, tail = pattern[:start], pattern[i + 1 :]
                return [x for p in parts for x in expand_braces(head + p + tail)]
    return [pattern]


def glob_matches(pattern: str, path: str) -> bool:
    """Whether `path` or one of its parent folders matches the glob (spec's rules)."""
    regexes = [_glob_regex(p.strip("/")) for p in expand_braces(pattern)]
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(r.fullmatch(prefix) for r in regexes for prefix in prefixes)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        out.append("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch))
    return re.compile("".join(out))


def expected_results_tag(text: str) -> frozenset[str] | None:
    """The verdicts of a DOMjudge `@EXPECTED_RESULTS@: A, B` tag in the source, or None."""
    found = _TAG.search(text)
    if found is None:
        return None
    names = [w.strip().upper() for w in found.group(1).split(",") if w.strip()]
    return frozenset(DOMJUDGE_RESULTS.get(n, n) for n in names)


def example_submissions(problem: Problem) -> list[Path]:
    """Every program in a direct subfolder of `submissions/` (files and folder programs)."""
    root = problem.path / "submissions"
    if not root.is_dir():
        return []
    found: list[Path] = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.startswith((".", "-")):
            continue
        found.extend(
            entry for entry in sorted(folder.iterdir()) if not entry.name.startswith((".", "-"))
        )
    return found


def load_rules(problem: Problem) -> list[Rule]:
    """The package's rules: defaults (with directory overrides) then submissions.yaml's."""
    file = problem.path / "submissions" / "submissions.yaml"
    config = read_yaml(file) if file.is_file() else {}
    defaults = dict(_DEFAULTS_LEGACY if problem.format_version in ("legacy", "2023-07")
                    else _DEFAULTS_2025)  # fmt: skip
    defaults.update(_JUDGEBOX_FOLDERS)
    rules: list[Rule] = []
    for folder, keys in defaults.items():
        own = config.get(folder)
        merged = {**keys, **(own if isinstance(own, dict) else {})}
        rules += _rules(folder, merged, f"default: {folder}", file)
    for pattern, keys in config.items():
        if pattern in defaults:
            continue
        if not isinstance(keys, dict):
            raise ProblemPackageError(f"{file}: `{pattern}` must map to a map of requirements")
        rules += _rules(str(pattern), keys, f"submissions.yaml: {pattern}", file)
    return rules


def _rules(pattern: str, keys: Mapping[str, Any], source: str, file: Path) -> list[Rule]:
    """The rule of one submission glob, and one per test case / group glob under it."""
    own = {k: v for k, v in keys.items() if k in _RULE_KEYS or k in ("overall", "partial")}
    found = [_rule(pattern, None, own, source, file)]
    for cases, sub in keys.items():
        if cases in own:
            continue
        if not isinstance(sub, dict) or not set(sub) <= _RULE_KEYS:
            raise ProblemPackageError(
                f"{file}: under `{pattern}`, `{cases}` is neither a known key nor a test group "
                "glob mapping to permitted / required / score / message"
            )
        found.append(_rule(pattern, str(cases), sub, f"{source} > {cases}", file))
    return found


def _rule(
    pattern: str, cases: str | None, keys: Mapping[str, Any], source: str, file: Path
) -> Rule:
    def verdicts(key: str) -> frozenset[str] | None:
        value = keys.get(key)
        if value is None:
            return None
        words = [value] if isinstance(value, str) else value
        if not isinstance(words, list) or not all(str(w).upper() in _ALL | {"CE"} for w in words):
            raise ProblemPackageError(f"{file}: `{key}` of `{pattern}` must list AC, WA, TLE, RTE")
        return frozenset(str(w).upper() for w in words)

    score = keys.get("score")
    bounds: tuple[float, float] | None = None
    if isinstance(score, int | float) and not isinstance(score, bool):
        bounds = (float(score), float(score))
    elif isinstance(score, list) and len(score) == 2:
        bounds = (float(score[0]), float(score[1]))
    elif score is not None:
        raise ProblemPackageError(f"{file}: `score` of `{pattern}` must be a number or [lo, hi]")
    message = keys.get("message")
    return Rule(
        submissions=pattern, source=source, cases=cases, permitted=verdicts("permitted"),
        required=verdicts("required"), score=bounds,
        message=str(message) if message else None, overall=verdicts("overall"),
        partial=bool(keys.get("partial")),
    )  # fmt: skip


def rules_for(rules: Sequence[Rule], relative: str, source_text: str | None) -> list[Rule]:
    """The rules a submission (`accepted/sol.py`, relative to submissions/) must satisfy.

    A DOMjudge tag in its source replaces the rules of its directory's defaults.
    """
    tag = expected_results_tag(source_text) if source_text else None
    chosen = [r for r in rules if glob_matches(r.submissions, relative)]
    if tag is not None:
        chosen = [r for r in chosen if not r.source.startswith("default")]
        chosen.insert(0, Rule(relative, "@EXPECTED_RESULTS@", overall=tag))
    return chosen


def _spec(verdict: str, allowed: frozenset[str]) -> bool:
    """Whether a case verdict is in a set (MLE and OLE count as RTE where RTE is named)."""
    return verdict in allowed or (verdict in ("MLE", "OLE") and "RTE" in allowed)


def check(rule: Rule, outcome: Outcome) -> str | None:
    """Why `outcome` breaks `rule`, in words, or None when it holds."""
    if rule.overall is not None:
        if outcome.verdict in rule.overall or (outcome.verdict in ("MLE", "OLE")
                                               and "RTE" in rule.overall):  # fmt: skip
            return None
        return (
            f"{rule.source}: overall {outcome.verdict}, expected {'/'.join(sorted(rule.overall))}"
        )
    if outcome.verdict in ("CE", "IE"):
        return f"{rule.source}: the submission ended {outcome.verdict}"
    cases = [c for c in outcome.cases if rule.cases is None or glob_matches(rule.cases, c[0])]
    if rule.permitted is not None:
        bad = [f"{n} {v}" for n, v, _ in cases if v != "SKIPPED" and not _spec(v, rule.permitted)]
        if bad:
            return f"{rule.source}: not permitted: {', '.join(bad[:3])}"
    if rule.required is not None and not any(_spec(v, rule.required) for _, v, _ in cases):
        return f"{rule.source}: no case got {'/'.join(sorted(rule.required))}"
    if rule.message is not None and not any(rule.message in m for _, _, m in cases):
        return f"{rule.source}: no judge message contains {rule.message!r}"
    if rule.score is not None:
        score = outcome.score if rule.cases is None else _group_score(rule.cases, outcome)
        lo, hi = rule.score
        if score is None or not lo - 1e-9 <= score <= hi + 1e-9:
            want = f"{lo:g}" if lo == hi else f"[{lo:g}, {hi:g}]"
            return f"{rule.source}: score {score}, expected {want}"
    if rule.partial:
        s, top = outcome.score, outcome.max_score
        if outcome.verdict != "AC" or s is None or s <= 0 or (top is not None and s >= top):
            return f"{rule.source}: expected AC with a partial score, got {outcome.verdict} {s}"
    return None


def _group_score(pattern: str, outcome: Outcome) -> float | None:
    scores = [s for g, s in outcome.group_scores.items() if glob_matches(pattern, g)
              and any(glob_matches(p, g) and p.count("/") == g.count("/")
                      for p in expand_braces(pattern))]  # fmt: skip
    if not scores or any(s is None for s in scores):
        return None
    return float(sum(s for s in scores if s is not None))
