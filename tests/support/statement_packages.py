"""Problem packages with LaTeX statements, for the server's and the page's statement tests."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

# Sections, inline and display math, an image, itemize, a table; and hostile bits: a file
# read, raw HTML, images outside the folder or on another host.
TEX = r"""\problemname{Squares}
\illustration{0.4}{picture.png}{A picture of $n$ squares}
Given $n$ integers $a_1, \ldots, a_n$ with $0 \le n < 10^{18}$, compute
\[ \sum_{i=1}^{n} a_i^2 . \]

\section*{Input}
The input consists of:
\begin{itemize}
  \item one line with $n$;
  \item one line with the \textbf{numbers}.
\end{itemize}
\input{/etc/hostname}
\includegraphics{../../outside.png} \includegraphics{http://evil.example/x.png}

\begin{tabular}{|l|r|}
\hline
Group & Points \\
\hline
1 & 20 \\
2 & 80 \\
\hline
\end{tabular}

\section*{Output}
The sum. <script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2">
"""
SWEDISH = "# Kvadrater\n\nLäs $n$ heltal och skriv ut summan av deras kvadrater.\n"
BROKEN = "\\problemname{Broken}\nSome text $x$ and then \\csname\n"


def png(width: int, height: int) -> bytes:
    """A plain red PNG image of this size."""
    raw = b"".join(b"\x00" + b"\xd0\x20\x20" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))  # fmt: skip


def write_statement_packages(root: Path) -> Path:
    """`squares` (problem.en.tex + problem.sv.md + picture.png) and `brokentex` in `root`."""
    for name, files in (
        ("squares", {"problem.en.tex": TEX, "problem.sv.md": SWEDISH}),
        ("brokentex", {"problem.en.tex": BROKEN}),
    ):
        package = root / name
        (package / "data" / "sample").mkdir(parents=True)
        (package / "data" / "secret").mkdir(parents=True)
        (package / "problem.yaml").write_text(f"name: {name}\n")
        for case in ("sample/1", "secret/1"):
            (package / "data" / f"{case}.in").write_text("1\n2\n")
            (package / "data" / f"{case}.ans").write_text("4\n")
        folder = package / "problem_statement"
        folder.mkdir()
        for file, text in files.items():
            (folder / file).write_text(text, encoding="utf-8")
        (folder / "picture.png").write_bytes(png(40, 20))
    (root / "outside.png").write_bytes(png(4, 4))
    return root
