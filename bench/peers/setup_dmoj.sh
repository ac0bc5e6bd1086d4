#!/usr/bin/env bash
# Install DMOJ's judge 4.1.0 into bench/.venv-dmoj (git-ignored), for bench/bench_dmoj.py.
#
#   bash bench/peers/setup_dmoj.sh
#
# DMOJ builds its ptrace/seccomp sandbox from C at install time (~10 s): it needs
# a compiler and libseccomp's headers. Its own interpreter is Debian's python3.11,
# never the pyenv shim on PATH. Idempotent: an existing venv with dmoj-cli is kept.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$here/.venv-dmoj"
if [[ -x "$venv/bin/dmoj-cli" ]]; then
    echo "DMOJ already installed in $venv"
    exit 0
fi
if ! dpkg -s build-essential libseccomp-dev >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential libseccomp-dev
fi
/usr/bin/python3.11 -m venv "$venv"
"$venv/bin/pip" install -q dmoj==4.1.0
echo "DMOJ installed in $venv"
