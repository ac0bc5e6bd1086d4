k = int(input())
print(k - 1 if k >= 4 or k == 1 else k - 2)
