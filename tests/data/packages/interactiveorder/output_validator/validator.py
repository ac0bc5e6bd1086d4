"""Says n, reads one answer: n + 1 is accepted; anything else is rejected at once (the
submission may still be running then). A submission already gone is a broken pipe here:
the answer is then missing, a rejection."""

import os
import sys

with open(sys.argv[1]) as given:
    n = int(given.read().split()[0])
try:
    print(n, flush=True)
except BrokenPipeError:  # and no second one when Python flushes stdout at exit
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
answer = sys.stdin.readline().split()
if answer != [str(n + 1)]:
    with open(sys.argv[3] + "judgemessage.txt", "w") as message:
        message.write(f"expected {n + 1}, got {' '.join(answer) or 'nothing'}\n")
    sys.exit(43)
sys.exit(42)
