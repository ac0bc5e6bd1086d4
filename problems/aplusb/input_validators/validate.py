"""Input validator of A Plus B (Kattis interface): exit 42 if stdin is a valid input, 43 if not.

A valid input is one line with two integers a and b, -10^18 <= a, b <= 10^18,
separated by one space. The reason for a rejection is printed on stdout.
"""

import re
import sys

VALID, INVALID = 42, 43
BOUND = 10**18
NUMBER = r"-?(0|[1-9][0-9]*)"


def reject(reason: str) -> None:
    print(reason)
    sys.exit(INVALID)


def main() -> None:
    data = sys.stdin.buffer.read(1000)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        reject("the input is not ASCII text")
    match = re.fullmatch(rf"({NUMBER}) ({NUMBER})\n", text)
    if match is None:
        reject("expected one line with two integers separated by one space, ending with a newline")
    for value in (int(match.group(1)), int(match.group(3))):
        if not -BOUND <= value <= BOUND:
            reject(f"{value} is outside -10^18..10^18")
    sys.exit(VALID)


if __name__ == "__main__":
    main()
