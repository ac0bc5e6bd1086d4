#!/usr/bin/env bash
# Install what judgebox needs (fresh Debian 12, as root) and start the server with the
# bundled example problems on http://127.0.0.1:1100. Extra arguments go to `judgebox serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/judgebox serve "$@"
