"""Accept any integer whose square is the case's number (an answer of either sign)."""

import sys

input_file, _answer_file, feedback_dir = sys.argv[1:4]
with open(input_file) as f:
    n = int(f.read())
tokens = sys.stdin.read().split()
ok = len(tokens) == 1 and tokens[0].lstrip("-").isdigit() and int(tokens[0]) ** 2 == n
if not ok:
    with open(feedback_dir + "judgemessage.txt", "w") as f:
        f.write(f"expected a square root of {n}, got {tokens[:3]}\n")
sys.exit(42 if ok else 43)
