"""Checker of the guessing game, run on the interactor's tout (testlib protocol, no testlib.h).

    check.py input tout answer [result_file [-appes]]
The answer file holds the most guesses a good strategy needs; more is a wrong answer.
"""

import sys

with open(sys.argv[2]) as f:
    words = f.read().split()
with open(sys.argv[3]) as f:
    bound = int(f.read().split()[0])
if len(words) != 2 or words[0] != "found":
    sys.stderr.write("the interactor's log is malformed\n")
    sys.exit(3)
used = int(words[1])
if used > bound:
    sys.stderr.write(f"{used} guesses, at most {bound} allowed\n")
    sys.exit(1)
sys.stderr.write(f"found in {used} guesses\n")
sys.exit(0)
