"""Included files (spec "Included files"): `include/<language>/` or `include/default/`.

The files of the submission's language folder (else of `default/`) are added to
the submission before it is built, after the code-size check, and win a name
collision with the submission's own file (a driver). Constants are substituted
in them. Only a folder's top-level regular files count (the build is one folder).
"""

from __future__ import annotations

from judgebox.problems.common import substitute_bytes
from judgebox.problems.model import Problem
from judgebox.problems.programs import read_program_files

# Language ids of ours whose spec code differs (the languages appendix names one Python 3).
_SPEC_CODES = {"pypy3": ("pypy3", "python3"), "javascript": ("javascript", "nodejs")}


def included_files(problem: Problem, language_id: str) -> dict[str, bytes]:
    """The files to add to a submission in `language_id` (empty when there are none)."""
    root = problem.include_dir
    if root is None:
        return {}
    for code in (*_SPEC_CODES.get(language_id, (language_id,)), "default"):
        folder = root / code
        if folder.is_dir() and not folder.is_symlink():
            files = read_program_files(folder)
            if files:
                return {n: substitute_bytes(d, problem.constants) for n, d in files.items()}
    return {}
