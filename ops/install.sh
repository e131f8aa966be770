#!/usr/bin/env bash
# Installs the project's npm dependencies when node_modules is missing or older than
# the lock file. Sourced by the README's commands, so a fresh clone needs nothing else.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # Not `npm ci`: chdb lists per-platform optional packages that the registry does not
  # serve (e.g. @chdb/lib-darwin-arm64), so the lock cannot hold them and `npm ci`
  # refuses the lock as out of sync. `npm install --no-save` installs the locked
  # versions and leaves package.json and the lock untouched.
  echo "install: npm install (locked versions)"
  npm install --no-save --no-audit --no-fund --loglevel=error
fi
