"""Interactive validator for Guess the Number (Kattis interface).

Usage: validator.py INPUT ANSWER FEEDBACK_DIR [flags...]
Its stdin is the program's stdout and its stdout is the program's stdin. The
input file holds the secret number. Exit 42 when the program finds it in at
most 30 guesses and then prints nothing more, 43 otherwise, with the reason in
FEEDBACK_DIR/judgemessage.txt.
"""

import os
import sys

ACCEPTED, WRONG_ANSWER = 42, 43
MAX_GUESSES = 30
LOWEST, HIGHEST = 1, 10**9


def verdict(code: int, message: str) -> None:
    with open(os.path.join(sys.argv[3], "judgemessage.txt"), "w", encoding="utf-8") as file:
        file.write(message + "\n")
    sys.exit(code)


def reply(word: str) -> None:
    try:
        sys.stdout.write(word + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the program exited without waiting for the answer
        # Python would flush the buffered reply again at exit and fail with status 120.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        verdict(WRONG_ANSWER, f"the program exited before reading the answer {word!r}")


def main() -> None:
    if len(sys.argv) < 4:
        sys.stderr.write("usage: validator.py input answer feedback_dir\n")
        sys.exit(1)  # neither 42 nor 43: the judge's fault
    with open(sys.argv[1], encoding="utf-8") as file:
        secret = int(file.read().split()[0])
    guesses = 0
    while True:
        line = sys.stdin.buffer.readline(1000)
        if not line:
            verdict(WRONG_ANSWER, f"the program stopped after {guesses} guesses without finding it")
        if not line.strip():
            continue
        guesses += 1
        if guesses > MAX_GUESSES:
            verdict(WRONG_ANSWER, f"more than {MAX_GUESSES} guesses")
        try:
            guess = int(line)
        except ValueError:
            shown = line.strip().decode("utf-8", "replace")[:60]
            verdict(WRONG_ANSWER, f"guess {guesses} is not an integer: {shown!r}")
        if not LOWEST <= guess <= HIGHEST:
            verdict(WRONG_ANSWER, f"guess {guesses} ({guess}) is outside 1..{HIGHEST}")
        if guess == secret:
            reply("correct")
            break
        reply("lower" if secret < guess else "higher")
    extra = sys.stdin.buffer.read(1000).strip()
    if extra:
        shown = extra.decode("utf-8", "replace")[:60]
        verdict(WRONG_ANSWER, f"output after the answer 'correct': {shown!r}")
    verdict(ACCEPTED, f"found {secret} in {guesses} guesses")


if __name__ == "__main__":
    main()
