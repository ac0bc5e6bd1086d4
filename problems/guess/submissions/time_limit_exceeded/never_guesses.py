# Never guesses: waits for input that never comes (the validator waits for a guess).
import sys

sys.stdin.read()
