"""Convert one LaTeX statement (stdin) to an HTML fragment (stdout) with plasTeX.

Run only by judgebox.server.tex_statement, as `python -I this_file`, in an empty
temporary folder, with resource limits: the TeX is hostile. Nothing of judgebox is
imported (so the child needs only plasTeX). The statement reads no file and writes
none: \\input, \\include and friends find nothing (kpsewhich is switched off), \\openout
writes to /dev/null, images are not opened (\\includegraphics and \\illustration only
name their file; the server checks the name against the statement folder), and an audit
hook refuses any other file, process or socket (_guard_files). Math stays
TeX, in `math-inline` / `math-display` placeholders, for KaTeX on the page.
Exit status 0 with the fragment, or 1 with a one-line reason on stderr.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).with_name("tex_templates")
# What problemtools' problemset.cls offers statements, as plasTeX macros of our own.
PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
\begin{document}
"""
BODY = re.compile(r"<body>(.*)</body>", re.DOTALL)
HEADING = re.compile(r"<(/?)h([1-6])\b")
# A tabular's rules and alignment, which plasTeX writes as inline styles on its cells: as
# classes of ours (statement_html.py keeps them, the page's style.css draws them).
CELL_STYLE = re.compile(r'<(td|th)\s+style="([^"]*)"')
TABULAR = re.compile(r'<table class="tabular"')


def _rule_classes(cell: re.Match[str]) -> str:
    """`<td style=...` as `<td class=...`: rb-t/-b/-l/-r for a rule on that edge, al/ar/ac."""
    style, names = cell[2], []
    for edge in ("top", "bottom", "left", "right"):
        if re.search(rf"border-{edge}(?:-style)?\s*:[^;]*\bsolid", style):
            names.append(f"rb-{edge[0]}")
    align = re.search(r"text-align\s*:\s*(left|right|center)", style)
    if align:
        names.append(f"a{align[1][0]}")
    return f'<{cell[1]} class="{" ".join(names)}"'


def _no_file(self: Any, name: str) -> str:
    raise FileNotFoundError(f"statements may not read files ({name})")


def convert(tex_source: str) -> str:
    """The statement's HTML fragment (not yet sanitised: the caller does that)."""
    import plasTeX.Logging  # type: ignore[import-untyped]
    import plasTeX.TeX  # type: ignore[import-untyped]
    from plasTeX import Command
    from plasTeX.Context import Context  # type: ignore[import-untyped]
    from plasTeX.Renderers.HTML5 import Renderer  # type: ignore[import-untyped]

    plasTeX.Logging.disableLogging()
    plasTeX.TeX.TeX.kpsewhich = _no_file
    Context.newwrite = lambda self, name, file: self.writes.__setitem__(
        name,
        open(os.devnull, "w"),  # noqa: SIM115 - plasTeX closes it
    )

    # The macros of problemtools' problemset.cls that statements use, by their arguments;
    # the page shows the title and the samples itself, so those render as nothing.
    macros = {
        name: type(name, (Command,), {"args": args})
        for name, args in (
            ("problemname", "title"),
            ("illustration", "width:double file:str description"),
            ("includegraphics", "* [ options:dict ] file:str"),
            ("sampletable", "header1 file1:str header2 file2:str"),
            ("sampletableinteractive", "header read write file:str"),
        )
    }

    tex = plasTeX.TeX.TeX()
    document = tex.ownerDocument
    config = document.config
    config["general"]["kpsewhich"] = "/nonexistent/kpsewhich"
    config["general"]["theme"] = "minimal"
    config["general"]["copy-theme-extras"] = False
    config["general"]["extra-templates"] = [str(TEMPLATES)]
    config["files"]["filename"] = "index.html"
    config["files"]["split-level"] = -10
    config["images"]["enabled"] = False
    config["images"]["imager"] = "none"
    config["images"]["vector-imager"] = "none"
    # Our macros after graphicx's: a statement's own \usepackage{graphicx} is then a no-op.
    document.context.loadPackage(tex, "graphicx.sty", {})
    document.context.importMacros(macros)
    tex.input(PREAMBLE + tex_source + "\n\\end{document}\n")
    parsed = tex.parse()
    Renderer().render(parsed)
    page = Path("index.html").read_text(encoding="utf-8")
    found = BODY.search(page)
    if found is None:
        raise ValueError("plasTeX wrote no statement body")
    # Statement headings sit under the page's h1 and the problem panel's h2.
    body = HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 6)}", found[1])
    body = TABULAR.sub('<table class="tex-rules"', CELL_STYLE.sub(_rule_classes, body))
    return body.strip()


def _limit_self() -> None:
    """CPU, memory, file size and process limits: a statement may loop or balloon."""
    import resource

    for kind, value in (
        (resource.RLIMIT_CPU, 10), (resource.RLIMIT_AS, 1 << 30),
        (resource.RLIMIT_FSIZE, 16 << 20), (resource.RLIMIT_NPROC, 64),
    ):  # fmt: skip
        resource.setrlimit(kind, (value, value))


def _guard_files() -> None:
    """From here on, read only Python's own files, plasTeX's and our templates; write only
    in the working folder (a temporary one); start no process, open no socket.

    An audit hook sees every open (open(), io.open, os.open, imports), whatever plasTeX
    package a statement loads (\\lstinputlisting opens its file directly, for one): the
    problem library, with other problems' secret data, is out of reach.
    """
    here = Path.cwd().resolve()
    readable = {here, TEMPLATES.resolve(), Path(os.devnull)}
    readable |= {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    readable |= {Path(p).resolve() for p in sys.path if p}
    denied_events = {
        "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
        "os.forkpty", "pty.spawn", "socket.connect", "socket.bind",
    }  # fmt: skip

    def inside(path: Path, roots: set[Path]) -> bool:
        return any(path == root or root in path.parents for root in roots)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in denied_events:
            raise PermissionError(f"statements may not use {event}")
        if event != "open" or not isinstance(args[0], (str, bytes, os.PathLike)):
            return  # an open file descriptor: already allowed when it was opened
        path = Path(os.fsdecode(args[0]))
        path = (here / path if not path.is_absolute() else path).resolve()
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        writes = any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR)
        if path == Path(os.devnull) or inside(path, {here} if writes else readable):
            return
        raise PermissionError(f"statements may not open {path}")

    sys.addaudithook(hook)


def main() -> int:
    """Read the TeX from stdin, write the fragment to stdout."""
    _limit_self()
    tex_source = sys.stdin.read()
    _guard_files()
    try:
        html = convert(tex_source)
    except Exception as err:  # any failure is the statement's
        print(f"{type(err).__name__}: {err}".splitlines()[0][:500], file=sys.stderr)
        return 1
    sys.stdout.write(html)
    return 0


if __name__ == "__main__":
    sys.exit(main())
