"""Guess-the-number interactor speaking testlib's protocol directly (no testlib.h).

    interactor input tout [answer [result_file [-appes]]]
stdin: the program's guesses, one a line; stdout: `<`, `>` or `=` for each.
It writes `found K` (K guesses) to tout for the checker; exit 1 after too many guesses,
2 when the program stops before finding the number (unexpected end of file).
"""

import sys


def answer(text: str) -> None:
    """Tell the program; if it has quit, that is its early end of file (exit 2), as a
    testlib interactor reads it, not the interactor's failure."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        sys.stderr.write("unexpected end of file: the program stopped reading\n")
        sys.stdout = None  # nothing left to flush at exit
        sys.exit(2)


with open(sys.argv[1]) as f:
    n, secret = map(int, f.read().split())
for guesses, line in enumerate(sys.stdin, start=1):
    try:
        guess = int(line)
    except ValueError:
        sys.stderr.write(f"expected an integer, found {line.strip()[:20]!r}\n")
        sys.exit(2)
    if guesses > 30:
        sys.stderr.write("more than 30 guesses\n")
        sys.exit(1)
    if guess == secret:
        answer("=")
        with open(sys.argv[2], "w") as tout:
            tout.write(f"found {guesses}\n")
        sys.exit(0)
    answer("<" if secret < guess else ">")
sys.stderr.write("unexpected end of file: the program stopped guessing\n")
sys.exit(2)
