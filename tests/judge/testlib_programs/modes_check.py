"""A checker that speaks testlib's protocol without testlib.h, with one behaviour per output.

    check.py input output answer [result_file [-appes]]

The output's first word picks what it does: `pe`, `fail`, `points X`, `dirt`, `crash`,
`hang`, `flood`, `code N`; anything else is compared with the answer (0 ok, 1 wrong answer).
"""

import os
import sys


def finish(code: int, outcome: str, message: str, points: str | None = None) -> None:
    if len(sys.argv) > 4:
        with open(sys.argv[4], "w") as f:
            if "-appes" in sys.argv[5:]:
                attr = f' points = "{points}"' if points is not None else ""
                escaped = message.replace("&", "&amp;").replace("<", "&lt;")
                f.write('<?xml version="1.0" encoding="utf-8"?>')
                f.write(f'<result outcome = "{outcome}"{attr}>{escaped}</result>\n')
            else:
                f.write(message)
    else:
        sys.stderr.write(message + "\n")
    sys.exit(code)


def main() -> None:
    with open(sys.argv[2]) as f:
        words = f.read().split()
    with open(sys.argv[3]) as f:
        expected = f.read().split()
    first = words[0] if words else ""
    if first == "pe":
        finish(2, "presentation-error", "expected an integer, found 'pe'")
    if first == "fail":
        finish(3, "fail", "the answer file is broken")
    if first == "points":
        finish(7, "points", f"{words[1]} partial credit", points=words[1])
    if first == "dirt":
        finish(4, "presentation-error", "extra information in the output file")
    if first == "crash":
        os.kill(os.getpid(), 11)
    if first == "hang":
        while True:
            pass
    if first == "flood":
        while True:
            sys.stdout.write("x" * 65536)
    if first == "code":
        sys.exit(int(words[1]))
    if words == expected:
        finish(0, "accepted", f"{len(words)} tokens")
    finish(1, "wrong-answer", f"expected {' '.join(expected)!r}, found {' '.join(words)!r}")


main()
