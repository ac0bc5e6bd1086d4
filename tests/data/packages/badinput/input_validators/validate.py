import sys

n = int(sys.stdin.readline())
if not 1 <= n <= 10:
    print(f"n={n} out of range", file=sys.stderr)
    sys.exit(43)
sys.exit(42)
