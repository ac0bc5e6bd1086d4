"""The Java source namer: right names, and linear time on hostile shapes at the code cap."""

from __future__ import annotations

import time

import pytest

from judgebox.languages.source_names import java_main_class, strip_comments_and_literals
from judgebox.languages.table import load_languages, source_file_name
from judgebox.settings import Settings

JAVA = load_languages()["java"]
CAP = Settings().max_code_bytes


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("class Helper {}\nclass Solver { public static void main(String[] a) {} }", "Solver"),
        ("class A { class B { public static void main(String[] a) {} } }", "A"),
        ("class A { public class Inner {} }", None),
        ('class A { String s = """\n  public class No {}\n  """; }', None),
        ("public sealed interface Shape permits Sq {}", "Shape"),
        ("public non-sealed class Sq implements Shape {}", "Sq"),
        ("class A { char c = '\"'; }\npublic class B {}", "B"),
        ("public class /* unclosed", None),
    ],
)
def test_java_main_class(code: str, expected: str | None) -> None:
    assert java_main_class(code) == expected


def test_strip_keeps_code_and_drops_comments_and_literals() -> None:
    code = 'a / b // c\nd /* e */ f "g\\"h" \'i\' j'
    assert strip_comments_and_literals(code).split() == ["a", "/", "b", "d", "f", "j"]


@pytest.mark.parametrize(
    "shape",
    [
        "/* ",  # unclosed comments: a lazy regex rescans to the end from each one
        "/*\n",
        "/*",
        '"',  # unterminated strings
        "'\\",  # unterminated chars with escapes
        '"""',  # unclosed text blocks
        "/",  # lone slashes
        "public ",  # modifiers without a type
        "final ",
        "{",
        "class ",
        "void main(",
    ],
)
def test_scanning_hostile_source_at_the_code_cap_is_fast(shape: str) -> None:
    code = "public class X {\n" + shape * (CAP // len(shape))
    started = time.monotonic()
    source_file_name(JAVA, code)
    # Generous: linear is ~0.1 s here; the old regex took minutes on unclosed comments.
    assert time.monotonic() - started < 1.0
