print(round(int(input()) / 2 + 0.001, 3))
