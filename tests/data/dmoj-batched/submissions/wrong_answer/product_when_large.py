# Right below 100, wrong above: batch 2 (50 points) fails.
a, b = map(int, input().split())
print(a + b if a + b < 100 else a * b)
