#!/usr/bin/env bash
# Install everything judgebox needs on a fresh Debian 12 machine (run as root).
#   scripts/setup.sh                        the server, the CLI and the default languages
#   scripts/setup.sh --languages all        ... and every language of languages.toml
#   scripts/setup.sh --languages ruby,ocaml ... and these (ids of languages.toml)
#   scripts/setup.sh --test                 plus what the test suite needs (Chromium,
#                                           nats-server); implies --languages all: the
#                                           language battery tests every language
# The Debian packages of each language are its `packages` in languages.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
with_tests=0
languages=""
while [ $# -gt 0 ]; do
  case "$1" in
    --test) with_tests=1; languages=all ;;
    --languages) languages="${2:?--languages needs all or a comma list of ids}"; shift ;;
    --languages=*) languages="${1#--languages=}" ;;
    *) echo "setup: unknown argument $1 (use --test, --languages all|id,id)" >&2; exit 2 ;;
  esac
  shift
done
# The default set: what most contests offer.
default_languages=c,cpp,python3,pypy3,java,javascript,typescript,csharp,go,rust,kotlin
wanted="$default_languages${languages:+,$languages}"

packages=(bubblewrap build-essential libc6-dev libseccomp2 python3 python3-venv nats-server sqlite3 procps)
if [ "$with_tests" = 1 ]; then
  packages+=(chromium fonts-dejavu-core)
fi
# Debian's own python3 (3.11 on Debian 12) reads the table: no venv needed yet.
if [ ! -x /usr/bin/python3 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3
fi
mapfile -t language_packages < <(/usr/bin/python3 - "$wanted" <<'PY'
import sys, tomllib
table = tomllib.load(open("src/judgebox/languages/languages.toml", "rb"))["languages"]
wanted = sys.argv[1].split(",")
ids = list(table) if "all" in wanted else [w for w in wanted if w]
unknown = [i for i in ids if i not in table]
if unknown:
    sys.exit(f"setup: unknown language id(s) {', '.join(unknown)}; known: {', '.join(table)}")
print("\n".join(sorted({p for i in ids for p in table[i].get("packages", [])})))
PY
)
packages+=("${language_packages[@]}")
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
# pyproject's dependencies include plasTeX (LaTeX statements -> HTML on the server) and nh3
# (sanitising that HTML): pure Python and a wheel, from PyPI.
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
