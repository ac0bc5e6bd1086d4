"""Name a submission's source file after the class it declares (Java's rule), in linear time.

Submitted code is hostile: a regular expression with backtracking (e.g. a lazy
`/\\*.*?\\*/` on a source full of unclosed comments) takes quadratic time. These
scanners visit each character a bounded number of times: `str.find` and
single-character-class searches jump between the bytes that matter, and the
only regular expressions used match one token from a fixed position.

    strip_comments_and_literals(code)   comments, strings, text blocks and chars -> " "
    java_main_class(code)               the public top-level type, else the one with main()
    package_name(code)                  the `package a.b;` declaration (Java, Kotlin, Scala)
    declares_main_function(code)        a top-level `fun main(` (Kotlin)
"""

from __future__ import annotations

import re
from collections.abc import Callable

# The next byte that may start a comment or a literal.
_SPECIAL = re.compile(r"[/\"']")
# Inside a literal: the next byte that may end it (or escape the next one).
_LITERAL_STOPS = {
    '"': re.compile(r"[\\\"\n]"),
    "'": re.compile(r"[\\'\n]"),
    '"""': re.compile(r"[\\\"]"),
}
# One token: an identifier, or any other single non-space character.
_TOKEN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*|[^\sA-Za-z_$]")
_TYPE_KEYWORDS = frozenset({"class", "interface", "enum", "record"})
_MODIFIERS = frozenset(
    {"public", "final", "abstract", "sealed", "non", "strictfp", "static", "protected", "private"}
)


def strip_comments_and_literals(code: str) -> str:
    """`code` with each comment and string/char literal replaced by one space (C/Java syntax)."""
    out: list[str] = []
    position, length = 0, len(code)
    while position < length:
        found = _SPECIAL.search(code, position)
        special = found.start() if found else length
        out.append(code[position:special])
        if special == length:
            break
        if code.startswith("//", special):
            end = code.find("\n", special)
            end = length if end < 0 else end
        elif code.startswith("/*", special):
            end = code.find("*/", special + 2)
            end = length if end < 0 else end + 2
        elif code[special] == "/":
            out.append("/")
            position = special + 1
            continue
        elif code.startswith('"""', special):
            end = _literal_end(code, special + 3, '"""')
        else:
            end = _literal_end(code, special + 1, code[special])
        out.append(" ")
        position = end
    return "".join(out)


def _literal_end(code: str, position: int, quote: str) -> int:
    """Just after the literal's closing quote (at the newline or the end if unterminated)."""
    stops = _LITERAL_STOPS[quote]
    while True:
        found = stops.search(code, position)
        if found is None:
            return len(code)
        stop = found.start()
        character = code[stop]
        if character == "\\":
            position = stop + 2
        elif character == "\n":
            return stop
        elif code.startswith(quote, stop):
            return stop + len(quote)
        else:  # a lone " inside a text block
            position = stop + 1


def java_main_class(code: str) -> str | None:
    """The public top-level type's name, else the top-level type declaring `main(`, else None."""
    tokens = _tokens(code)
    depth = 0
    top_level: str | None = None  # the top-level type whose body we are in
    with_main: str | None = None
    for index, token in enumerate(tokens):
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif token in _TYPE_KEYWORDS and depth == 0 and index + 1 < len(tokens):
            name = tokens[index + 1]
            if not _TOKEN.fullmatch(name) or not (name[0].isalpha() or name[0] in "_$"):
                continue
            top_level = name
            if _declared_public(tokens, index):
                return name
        elif (
            token == "main"
            and depth >= 1
            and with_main is None
            and tokens[index - 1 : index] == ["void"]
            and tokens[index + 1 : index + 2] == ["("]
        ):
            with_main = top_level
    return with_main


def _declared_public(tokens: list[str], keyword: int) -> bool:
    """Whether the modifiers before the type keyword at `keyword` include `public`."""
    index = keyword - 1
    while index >= 0 and (tokens[index] in _MODIFIERS or tokens[index] == "-"):
        if tokens[index] == "public":
            return True
        index -= 1
    return False


def _tokens(code: str) -> list[str]:
    return [match.group() for match in _TOKEN.finditer(strip_comments_and_literals(code))]


def package_name(code: str) -> str | None:
    """The dotted name of the file's leading `package` declaration, or None."""
    tokens = _tokens(code)
    for index, token in enumerate(tokens):
        if token == "package":
            parts: list[str] = []
            position = index + 1
            while (
                position < len(tokens)
                and _TOKEN.fullmatch(tokens[position])
                and (tokens[position][0].isalpha() or tokens[position][0] in "_$")
            ):
                parts.append(tokens[position])
                if tokens[position + 1 : position + 2] != ["."]:
                    break
                position += 2
            return ".".join(parts) or None
        if token in ("import", "{") or token in _TYPE_KEYWORDS:
            return None  # a package declaration comes first
    return None


def declares_main_function(code: str) -> bool:
    """Whether a top-level `fun main(` is declared (Kotlin's entry point)."""
    tokens = _tokens(code)
    depth = 0
    for index, token in enumerate(tokens):
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif (
            token == "main"
            and depth == 0
            and tokens[index - 1 : index] == ["fun"]
            and tokens[index + 1 : index + 2] == ["("]
        ):
            return True
    return False


# The scanners a language table may name in its `source_name` key.
def scala_main_object(code: str) -> str | None:
    """The top-level `object` that declares `def main`, else the first top-level object."""
    tokens = _tokens(code)
    depth = 0
    current: str | None = None
    first: str | None = None
    for index, token in enumerate(tokens):
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif token == "object" and depth == 0 and index + 1 < len(tokens):
            name = tokens[index + 1]
            if name[:1].isalpha() or name[:1] == "_":
                current = name
                first = first or name
        elif (
            token == "main"
            and depth >= 1
            and current is not None
            and tokens[index - 1 : index] == ["def"]
        ):
            return current
    return first


# "kotlin": the file keeps the table's name (main.kt -> class MainKt); the entry point is
# found by entry_points.py.
SOURCE_NAMERS: dict[str, Callable[[str], str | None]] = {
    "java": java_main_class,
    "kotlin": lambda code: None,
    "scala": scala_main_object,
}

__all__ = [
    "SOURCE_NAMERS",
    "declares_main_function",
    "java_main_class",
    "package_name",
    "scala_main_object",
    "strip_comments_and_literals",
]
