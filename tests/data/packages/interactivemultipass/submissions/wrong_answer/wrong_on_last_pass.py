k = int(input())
print(k - 1 if k >= 2 else k, flush=True)
