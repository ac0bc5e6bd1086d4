#!/usr/bin/env bash
# Install everything judgebox needs on a fresh Debian 12 machine (run as root).
#   scripts/setup.sh          the server and the CLI
#   scripts/setup.sh --test   plus what the test suite needs (Chromium, nats-server, toolchains)
set -euo pipefail
cd "$(dirname "$0")/.."
with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

packages=(bubblewrap build-essential libc6-dev libseccomp2 python3 python3-venv openjdk-17-jdk-headless nodejs rustc nats-server sqlite3 procps)
if [ "$with_tests" = 1 ]; then
  packages+=(chromium fonts-dejavu-core procps)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm: Debian's package, unless the installed nodejs brings its own (NodeSource's nodejs
# ships npm and conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The venv: any Python >= 3.11 (pyenv's if present, Debian's otherwise).
py=""
for cand in /root/.pyenv/versions/3.11*/bin/python3 python3.12 python3.11 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    py=$cand; break
  fi
done
[ -n "$py" ] || { echo "setup: need Python >= 3.11" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
.venv/bin/pip install -q -U pip
if [ "$with_tests" = 1 ]; then
  .venv/bin/pip install -q -e '.[dev]'
else
  .venv/bin/pip install -q -e .
fi

# The web page: its libraries from the npm registry, pinned by web/package-lock.json,
# bundled by esbuild into src/judgebox/server/static/dist/ (not committed).
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: npm is missing (Debian package npm); the web page cannot be built" >&2
  exit 1
fi
(cd web && npm ci --no-audit --no-fund --loglevel=error && node build.mjs --quiet)
