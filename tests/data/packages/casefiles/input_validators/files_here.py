"""Checks the case's `.files` are in the working directory: `go` needs a config.txt
holding a number there, `none` needs none (the spec copies a case's files for input
validators too)."""

import os
import sys
from pathlib import Path

words = sys.stdin.read().split()
if words == ["go"]:
    ok = os.path.isfile("config.txt") and Path("config.txt").read_text().strip().isdigit()
elif words == ["none"]:
    ok = not os.path.exists("config.txt")
else:
    ok = False
if not ok:
    print(f"input {words}, config.txt here: {os.path.exists('config.txt')}")
sys.exit(42 if ok else 43)
