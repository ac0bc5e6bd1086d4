# Wrong: guesses 1, 2, 3, ... and so needs more than 30 guesses for most numbers.
import sys

guess = 1
while True:
    print(guess, flush=True)
    answer = sys.stdin.readline().strip()
    if answer == "correct" or not answer:  # no answer: the validator has given up on us
        break
    guess += 1
