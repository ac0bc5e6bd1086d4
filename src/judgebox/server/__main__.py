"""`python -m judgebox.server --host H --port P --problems DIR [--token T] [--no-auth] ...`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from judgebox.server.serving import serve
from judgebox.settings import settings_from_env
from judgebox.vocabulary.errors import JudgeboxError


def main(argv: list[str] | None = None) -> int:
    """Parse flags (over JUDGEBOX_* variables) and serve; 2 with a one-line reason on error."""
    parser = argparse.ArgumentParser(prog="python -m judgebox.server", description=__doc__)
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--problems", type=Path, dest="problems_dir")
    parser.add_argument("--token")
    parser.add_argument("--no-auth", action="store_true", default=None)
    parser.add_argument("--insecure", action="store_true", default=None)
    parser.add_argument("--db", type=Path, dest="db_path")
    parser.add_argument("--work-root", type=Path)
    parser.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        help="a Host name to answer besides the loopback ones (repeatable; *: any)",
    )
    args = parser.parse_args(argv)
    if args.allowed_hosts is not None:
        args.allowed_hosts = tuple(args.allowed_hosts)
    try:
        settings = settings_from_env(**vars(args))
    except ValueError as error:
        print(f"judgebox: {error}", file=sys.stderr)
        return 2
    try:
        serve(settings)
    except JudgeboxError as error:
        print(f"judgebox: {error.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
