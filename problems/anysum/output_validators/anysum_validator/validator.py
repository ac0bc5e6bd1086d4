"""Output validator for Any Sum (Kattis interface).

Usage: validator.py INPUT ANSWER FEEDBACK_DIR [flags...] < program_output
Exit 42 when the output is two non-negative integers summing to n, 43 otherwise,
with the reason in FEEDBACK_DIR/judgemessage.txt.
"""

import os
import sys

ACCEPTED, WRONG_ANSWER = 42, 43


def verdict(code: int, message: str, feedback_dir: str) -> None:
    with open(os.path.join(feedback_dir, "judgemessage.txt"), "w", encoding="utf-8") as file:
        file.write(message + "\n")
    sys.exit(code)


def main() -> None:
    if len(sys.argv) < 4:
        sys.stderr.write("usage: validator.py input answer feedback_dir < output\n")
        sys.exit(1)  # neither 42 nor 43: the judge's fault
    input_file, feedback_dir = sys.argv[1], sys.argv[3]
    with open(input_file, encoding="utf-8") as file:
        n = int(file.read().split()[0])
    tokens = sys.stdin.buffer.read(1 << 20).split()  # enough for two numbers
    if len(tokens) != 2:
        shown = b" ".join(tokens[:3]).decode("utf-8", "replace")[:100]
        verdict(WRONG_ANSWER, f"expected two integers, got {len(tokens)} tokens: {shown}", feedback_dir)
    try:
        x, y = (int(token) for token in tokens)
    except ValueError:
        shown = b" ".join(tokens).decode("utf-8", "replace")[:100]
        verdict(WRONG_ANSWER, f"expected two integers, got: {shown}", feedback_dir)
    if x < 0 or y < 0:
        verdict(WRONG_ANSWER, f"{x} and {y} must both be non-negative", feedback_dir)
    if x + y != n:
        verdict(WRONG_ANSWER, f"{x} + {y} = {x + y}, not {n}", feedback_dir)
    verdict(ACCEPTED, f"{x} + {y} = {n}", feedback_dir)


if __name__ == "__main__":
    main()
