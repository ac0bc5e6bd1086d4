# Wrong: the sum is right but -1 is not a non-negative integer.
n = int(input())
print(n + 1, -1)
