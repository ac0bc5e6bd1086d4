# Reads the input, then fails: a non-zero exit status is a run-time error.
a, b = map(int, input().split())
raise RuntimeError(f"cannot add {a} and {b}")
