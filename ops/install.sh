#!/usr/bin/env bash
# Installs the project's npm dependencies when node_modules is missing or older than
# the lock file. Sourced by the README's commands, so a fresh clone needs nothing else.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "install: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
