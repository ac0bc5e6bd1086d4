"""The plain subset of YAML that most problem.yaml files are written in, read without PyYAML.

Importing PyYAML costs a `judgebox run` about as much as parsing its whole language table
(its reader compiles a large regular expression at import): issue 17. Most packages'
YAML files are a few `key: value` lines and indented mappings, so those are read here;
anything else — lists, quotes, anchors, tags, tabs, any scalar whose meaning PyYAML's
resolvers could change (yes/no/on/off/null, dates, octal or sexagesimal numbers, unicode)
— returns None, and the caller reads the file with PyYAML. So the result, when there is
one, is what `yaml.safe_load` returns for the same text (tests/unit/test_plain_yaml.py).
"""

from __future__ import annotations

import re
from typing import Any

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*", re.ASCII)
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)", re.ASCII)
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+", re.ASCII)
# Strings no resolver of PyYAML's would take for another type (its implicit resolvers
# are picked by the first character: digits, signs, dots, ~, =, <, y/n/t/f/o/N).
_TEXT = re.compile(r"[A-Za-z_][A-Za-z0-9 _.,()/+'-]*", re.ASCII)
_VERSION = re.compile(r"[0-9]{4}-[0-9]{2}", re.ASCII)  # problem_format_version: 2023-07
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", re.ASCII)
# YAML 1.1 booleans and nulls (PyYAML), in any case: left to PyYAML, as keys or values
_SPECIAL = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}


def plain_yaml(text: str) -> dict[str, Any] | None:
    """The mapping `text` holds if it is written in the plain subset, else None (then read
    it with PyYAML). An empty document is {}."""
    if "\t" in text or "\r" in text or text.startswith("\ufeff"):
        return None
    root: dict[str, Any] = {}
    # (indent, mapping) from the outermost; a key without value opens a nested one
    stack: list[tuple[int, dict[str, Any]]] = [(0, root)]
    pending: tuple[int, dict[str, Any], str] | None = None  # `key:` awaiting its block
    for raw in text.split("\n"):
        line = _without_comment(raw)
        if line is None:
            return None
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if pending is not None:
            parent_indent, parent, key = pending
            pending = None
            if indent > parent_indent:  # the block of `key:`
                parent[key] = {}
                stack.append((indent, parent[key]))
            else:
                parent[key] = None
        while stack and indent < stack[-1][0]:
            stack.pop()
        if not stack or indent != stack[-1][0]:
            return None  # an indentation PyYAML would read otherwise, or reject
        mapping = stack[-1][1]
        key, colon, rest = line.strip().partition(":")
        if not colon or not _KEY.fullmatch(key) or key.lower() in _SPECIAL or key in mapping:
            return None
        if not rest:
            pending = (indent, mapping, key)
            continue
        if not rest.startswith(" "):
            return None
        value = _scalar(rest.strip())
        if value is _NOT_PLAIN:
            return None
        mapping[key] = value
    if pending is not None:
        pending[1][pending[2]] = None
    return root


_NOT_PLAIN = object()


def _without_comment(line: str) -> str | None:
    """The line without its comment (a `#` at its start or after a space); None if a `#`
    stands elsewhere (inside a scalar: PyYAML's reading of that is left to PyYAML)."""
    if line.lstrip(" ").startswith("#"):
        return ""
    at = line.find("#")
    if at < 0:
        return line.rstrip(" ")
    if line[at - 1] != " ":
        return None
    return line[:at].rstrip(" ")


def _scalar(word: str) -> object:
    """A plain scalar's value: int, float or str; _NOT_PLAIN when PyYAML must decide."""
    if _INT.fullmatch(word):
        return int(word)
    if _FLOAT.fullmatch(word):
        return float(word)
    if _VERSION.fullmatch(word) or _UUID.fullmatch(word):
        return word
    if _TEXT.fullmatch(word) and word.lower() not in _SPECIAL and not word.endswith(" "):
        return word
    return _NOT_PLAIN
