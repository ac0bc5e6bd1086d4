# A wrong answer, then a wait for more that never comes: the validator rejected first,
# so the verdict is WA, not the TLE this would get on its own.
print(int(input()), flush=True)
while True:
    pass
