#!/usr/bin/env bash
# The whole test suite (run scripts/setup.sh --test first; .ci/run does both).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
.venv/bin/ruff format --check src tests bench
.venv/bin/ruff check src tests bench
.venv/bin/mypy  # src (strict) and the test folders named in pyproject.toml
# Folders whose modules import siblings by bare name (each has its own conftest):
# one run each, with the folder on the path as pytest has it.
for dir in tests/server tests/faults tests/sandbox tests/scaleout tests/web tests/languages; do
  # tests/languages/programs: the battery's sources, some of them broken on purpose
  MYPYPATH="$dir" .venv/bin/mypy "$dir" --exclude 'tests/languages/programs/'
done
set +e
.venv/bin/pytest "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "test.sh: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
