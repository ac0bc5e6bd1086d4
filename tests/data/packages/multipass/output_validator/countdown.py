import sys

with open(sys.argv[1]) as given:
    k = int(given.read())
feedback = sys.argv[3]
tokens = sys.stdin.read().split()
if tokens != [str(k - 1)]:
    with open(feedback + "judgemessage.txt", "a") as f:
        f.write(f"expected {k - 1}\n")
    sys.exit(43)
if k - 1 > 0:
    with open(feedback + "nextpass.in", "w") as f:
        f.write(f"{k - 1}\n")
sys.exit(42)
