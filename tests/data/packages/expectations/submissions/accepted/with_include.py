from helper import double

assert {{maxn}} == 1000  # noqa: F821 - a constant, substituted before judging
print(double(int(input())))
