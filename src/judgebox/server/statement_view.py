"""The statement part of GET /problems/{name}: its languages, its text and, for LaTeX, HTML.

A LaTeX statement is converted on the server (tex_statement.py: plasTeX in a child
process, once per text) and sanitised (statement_html.py); when the conversion fails the
document says why in `statementError` and the page shows the source. Blocking: callers
run it in a worker thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from judgebox.problems.kattis import read_statement, statement_files
from judgebox.problems.package import Problem
from judgebox.server.statement_html import sanitize_statement_html
from judgebox.server.tex_statement import tex_to_html

# Files of a statement folder the page may show (images); SVG only under a CSP that
# forbids its scripts should someone open it directly.
STATEMENT_FILE_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".svg": "image/svg+xml",
}  # fmt: skip
# Package formats whose statements are `statement/problem.LANG.ext` files.
_FOLDER_FORMATS = {"legacy", "2023-07", "2025-09"}
# \includegraphics{pic} names no extension: the first of these that exists.
_IMAGE_SUFFIXES = ("", ".png", ".jpg", ".jpeg", ".gif", ".svg")


def statement_fields(
    problem: Problem, language: str | None, cache_dir: Path | None = None
) -> dict[str, Any]:
    """statement, statementFormat, statementLanguage(s), statementHtml, statementError.

    `cache_dir` (Settings.cache_dir): where conversions are kept across restarts."""
    languages: list[str] = []
    chosen: str | None = None
    text, text_format = problem.statement, problem.statement_format
    if problem.format_version in _FOLDER_FORMATS:
        languages = list(statement_files(problem.path))
        chosen = language if language in languages else (languages[0] if languages else None)
        if chosen is not None:
            text, text_format = read_statement(problem.path, chosen, problem.constants)
    fields: dict[str, Any] = {
        "statement": text,
        "statementFormat": text_format,
        "statementLanguage": chosen,
        "statementLanguages": languages,
        "statementHtml": None,
        "statementError": None,
    }
    if text is not None and text_format == "latex":
        converted = tex_to_html(text, cache_dir)
        if converted.html is None:
            fields["statementError"] = converted.error
        else:
            fields["statementHtml"] = sanitize_statement_html(
                converted.html, lambda src: _statement_image(problem.path, src)
            )
    return fields


def _statement_image(problem_dir: Path, src: str) -> str | None:
    """`src` (as the TeX names it) as a path of the statement folder, or None if no such image."""
    for suffix in _IMAGE_SUFFIXES:
        if statement_file(problem_dir, src + suffix) is not None:
            return src + suffix
    return None


def statement_file(problem_dir: Path, relative: str) -> Path | None:
    """The image `relative` inside the problem's statement folder, or None.

    None for anything that is not a plain image file reached without leaving the
    folder: "..", absolute paths, hidden names, symlinks anywhere on the way.
    """
    parts = relative.split("/")
    if not relative or any(p in ("", ".", "..") or p.startswith(".") or "\\" in p for p in parts):
        return None
    if Path(relative).suffix.lower() not in STATEMENT_FILE_TYPES:
        return None
    for folder in (problem_dir / "statement", problem_dir / "problem_statement"):
        if folder.is_symlink() or not folder.is_dir():
            continue
        current = folder
        for part in parts:
            current = current / part
            if current.is_symlink():
                return None
        if current.is_file():
            return current
    return None
