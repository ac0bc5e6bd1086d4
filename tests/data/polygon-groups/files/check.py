"""A+B checker with partial points, speaking testlib's protocol (no testlib.h).

    check.py input output answer [result_file [-appes]]
Exact: exit 0. Off by one: exit 7 with `points 15` (half of a large test). Else exit 1.
"""

import sys

with open(sys.argv[3]) as f:
    expected = int(f.read().split()[0])
with open(sys.argv[2]) as f:
    words = f.read().split()
if len(words) != 1 or not words[0].lstrip("-").isdigit():
    sys.stderr.write("expected one integer\n")
    sys.exit(2)
found = int(words[0])
if found == expected:
    sys.stderr.write(f"answer is {found}\n")
    sys.exit(0)
if abs(found - expected) == 1:
    sys.stderr.write("points 15 off by one\n")
    sys.exit(7)
sys.stderr.write(f"expected {expected}, found {found}\n")
sys.exit(1)
