"""`python -m judgebox.server [flags]`: the same command line as `judgebox serve` (command.py)."""

from __future__ import annotations

import sys

from judgebox.server.command import main

if __name__ == "__main__":
    sys.exit(main())
