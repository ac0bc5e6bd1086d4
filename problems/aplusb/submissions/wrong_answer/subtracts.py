# Wrong: subtracts instead of adding (sample 1 expects 3, this prints -1).
a, b = map(int, input().split())
print(a - b)
