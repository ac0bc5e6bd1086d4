# Wrong: 2 decimals are not precise enough (1.41 is 0.004 away from 1.41421356...).
import math

a, b = map(int, input().split())
print(f"{math.hypot(a, b):.2f}")
