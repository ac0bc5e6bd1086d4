# Wrong on the small group: the large group, which depends on it, is skipped.
a, b = map(int, input().split())
print(a + b if a + b > 100 else a * b)
