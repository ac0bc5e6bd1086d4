"""A+B checker in DMOJ's Python checker interface: exact is full points, off by one is
1/partial_share of the case's points (args from init.yml)."""

from dmoj.result import CheckerResult
from dmoj.utils.unicode import utf8text


def check(process_output, judge_output, point_value, partial_share=2, **kwargs):
    words = utf8text(process_output).split()
    if len(words) != 1 or not words[0].lstrip("-").isdigit():
        return CheckerResult(False, 0, "expected one integer")
    found, expected = int(words[0]), int(judge_output.split()[0])
    if found == expected:
        return True
    if abs(found - expected) == 1:
        return CheckerResult(True, point_value / partial_share, "off by one")
    return False
