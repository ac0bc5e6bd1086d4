"""The documented rule that picks the reference solution of custom input (judging/custom.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from judgebox.judging.custom import REFERENCE_PREFERENCE, choose_reference
from judgebox.languages.table import load_languages

LANGUAGES = load_languages()


def _package(tmp_path: Path, *names: str) -> Path:
    accepted = tmp_path / "submissions" / "accepted"
    accepted.mkdir(parents=True)
    for name in names:
        (accepted / name).write_text("x\n")
    return tmp_path


def _present(*ids: str) -> dict[str, Any]:
    return dict.fromkeys(ids)  # only the keys matter: which toolchains are here


def test_compiled_languages_first_then_the_first_name(tmp_path: Path) -> None:
    package = _package(tmp_path, "b.py", "a.py", "z.cpp", "y.cpp", "x.c", "Main.java", "notes.txt")
    chosen = choose_reference(package, LANGUAGES, _present(*LANGUAGES))
    assert chosen is not None and chosen[0].name == "y.cpp" and chosen[1].id == "cpp"
    chosen = choose_reference(package, LANGUAGES, _present("c", "python3", "java"))
    assert chosen is not None and chosen[0].name == "x.c"
    chosen = choose_reference(package, LANGUAGES, _present("python3"))
    assert chosen is not None and chosen[0].name == "a.py"
    assert REFERENCE_PREFERENCE[:3] == ("cpp", "c", "rust")


def test_no_usable_accepted_submission_is_no_reference(tmp_path: Path) -> None:
    assert choose_reference(tmp_path, LANGUAGES, _present(*LANGUAGES)) is None
    package = _package(tmp_path, "sol.rs", ".hidden.cpp")
    assert choose_reference(package, LANGUAGES, _present("cpp", "python3")) is None
