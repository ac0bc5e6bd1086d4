import sys

with open(sys.argv[1]) as given:
    k = int(given.read())
print(k, flush=True)
reply = sys.stdin.readline().split()
if reply != [str(k - 1)]:
    sys.exit(43)
if k - 1 > 0:
    with open(sys.argv[3] + "nextpass.in", "w") as f:
        f.write(f"{k - 1}\n")
sys.exit(42)
