low, high = 1, 10**9
while True:
    guess = (low + high) // 2
    print(guess, flush=True)
    answer = input().strip()
    if answer == "correct":
        break
    if answer == "lower":
        high = guess - 1
    else:
        low = guess + 1
