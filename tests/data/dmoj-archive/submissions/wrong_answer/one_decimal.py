# One decimal place is not enough for 10^-3.
a, b = map(int, input().split())
print(round(a / b, 1))
