"""The one server command line: `python -m judgebox.server` and `judgebox serve` both parse it.

Flags win over `JUDGEBOX_*` variables (docs/api.md, "Command line"). Exit status 2
with a one-line reason for a usage error (a bad flag, a bad variable, isolation
missing without --insecure).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from judgebox.server.serving import serve
from judgebox.settings import settings_from_env
from judgebox.vocabulary.errors import JudgeboxError


def parser(prog: str = "python -m judgebox.server") -> argparse.ArgumentParser:
    """Every flag of the server, once."""
    p = argparse.ArgumentParser(
        prog=prog, description="Run the judgebox HTTP server (the web page and docs/api.md)."
    )
    p.add_argument("--host", metavar="H", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, metavar="P", help="port (default 1100)")
    p.add_argument(
        "--problems", type=Path, dest="problems_dir", metavar="DIR", help="the problem library"
    )
    p.add_argument("--token", metavar="T", help="bearer token clients must send")
    p.add_argument(
        "--no-auth",
        action="store_true",
        default=None,
        help="allow a non-loopback bind without a token (behind your own authentication)",
    )
    p.add_argument(
        "--insecure", action="store_true", default=None, help="accept incomplete isolation"
    )
    p.add_argument(
        "--db", type=Path, dest="db_path", metavar="FILE", help="SQLite file for finished runs"
    )
    p.add_argument(
        "--work-root", type=Path, metavar="DIR", help="where boxes and run directories live"
    )
    p.add_argument(
        "--nats", dest="nats_url", metavar="URL", help="run jobs on NATS JetStream at this URL"
    )
    p.add_argument(
        "--cors-origin",
        action="append",
        dest="cors_origins",
        metavar="ORIGIN",
        help="an origin allowed by CORS (repeatable)",
    )
    p.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        metavar="NAME",
        help="a Host name to answer besides the loopback ones and --host (repeatable; *: any)",
    )
    # NATS TLS and credentials, as on `judgebox worker` (docs/scaleout.md). Secrets are
    # better given as JUDGEBOX_NATS_PASSWORD / _TOKEN: a flag shows in `ps`.
    nats = p.add_argument_group("NATS security (with --nats)")
    nats.add_argument("--nats-ca", type=Path, metavar="FILE", help="CA of the NATS server")
    nats.add_argument("--nats-cert", type=Path, metavar="FILE", help="client certificate (mTLS)")
    nats.add_argument("--nats-key", type=Path, metavar="FILE", help="key of --nats-cert")
    nats.add_argument(
        "--nats-tls-first",
        action="store_true",
        default=None,
        help="TLS handshake before NATS's INFO (server handshake_first)",
    )
    nats.add_argument("--nats-user", metavar="USER", help="NATS user")
    nats.add_argument("--nats-password", metavar="P", help="better: JUDGEBOX_NATS_PASSWORD")
    nats.add_argument("--nats-token", metavar="T", help="better: JUDGEBOX_NATS_TOKEN")
    nats.add_argument("--nats-creds", type=Path, metavar="FILE", help=".creds file (JWT + NKey)")
    nats.add_argument("--nats-nkey", type=Path, metavar="FILE", help="file with an NKey seed")
    nats.add_argument(
        "--nats-inbox-prefix", metavar="PREFIX", help="reply-subject prefix (default _INBOX)"
    )
    return p


def main(argv: Sequence[str] | None = None, prog: str = "python -m judgebox.server") -> int:
    """Parse flags (over JUDGEBOX_* variables) and serve; 2 with a one-line reason on error."""
    args = parser(prog).parse_args(argv)
    for name in ("cors_origins", "allowed_hosts"):
        if getattr(args, name) is not None:
            setattr(args, name, tuple(getattr(args, name)))
    try:
        settings = settings_from_env(**vars(args))
        serve(settings)
    except JudgeboxError as error:  # a ConfigError for a malformed JUDGEBOX_* variable, too
        print(f"judgebox: {' '.join(error.message.split())}", file=sys.stderr)
        return 2
    return 0
