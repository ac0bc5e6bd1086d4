import math

a, b = map(int, input().split())
print(f"{math.hypot(a, b):.9f}")
