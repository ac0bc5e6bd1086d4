import sys

tokens = sys.stdin.read().split()
mode, n = int(tokens[0]), int(tokens[1])
total = sum(int(t) for t in tokens[2 : 2 + n])
if mode == 2:
    sys.exit(3)
if mode == 3:
    while True:
        pass
print(total + (mode == 1))
