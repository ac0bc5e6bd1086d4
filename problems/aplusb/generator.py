"""Write the 50 secret cases of A Plus B into data/secret/ (deterministic: same files every run).

Run it with `/usr/bin/python3 problems/aplusb/generator.py`.
"""

from __future__ import annotations

import random
from pathlib import Path

LIMIT = 10**18
SECRET = Path(__file__).resolve().parent / "data" / "secret"
EDGE_CASES = [
    (0, 0),
    (LIMIT, LIMIT),
    (-LIMIT, -LIMIT),
    (LIMIT, -LIMIT),
    (-1, 1),
    (2**31 - 1, 1),  # overflows a 32-bit int
    (-(2**31), -1),
    (999_999_999_999_999_999, 1),
]


def cases(count: int = 50, seed: int = 20261125) -> list[tuple[int, int]]:
    """The edge cases, then random pairs of every magnitude up to 10^18."""
    rng = random.Random(seed)
    pairs = list(EDGE_CASES)
    while len(pairs) < count:
        digits_a, digits_b = rng.randint(1, 18), rng.randint(1, 18)
        a = rng.randint(-(10**digits_a), 10**digits_a)
        b = rng.randint(-(10**digits_b), 10**digits_b)
        pairs.append((a, b))
    return pairs


def main() -> None:
    SECRET.mkdir(parents=True, exist_ok=True)
    for old in list(SECRET.glob("*.in")) + list(SECRET.glob("*.ans")):
        old.unlink()
    for number, (a, b) in enumerate(cases(), start=1):
        (SECRET / f"{number:02d}.in").write_text(f"{a} {b}\n")
        (SECRET / f"{number:02d}.ans").write_text(f"{a + b}\n")


if __name__ == "__main__":
    main()
