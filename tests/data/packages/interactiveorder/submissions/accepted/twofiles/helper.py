"""The second file of a folder submission."""


def next_number(n: int) -> int:
    return n + 1
