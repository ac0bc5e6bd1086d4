import sys

n = int(input())
assert ("hard" in sys.argv[1:]) == (n >= 100 and n != 3), sys.argv
print(2 * n)
