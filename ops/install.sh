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
  # The benchmark simulator's librdkafka client (@confluentinc/kafka-javascript, an
  # optional dependency) is built here against Debian's libraries: its prebuilt binaries
  # and the sources it would fetch for a static build are on GitHub, which these
  # machines do not reach. Without them npm leaves it out and the simulator uses kafkajs.
  librdkafka_build=(libssl-dev libsasl2-dev libzstd-dev liblz4-dev zlib1g-dev libcurl4-openssl-dev)
  if ! dpkg -s "${librdkafka_build[@]}" >/dev/null 2>&1; then
    echo "install: Debian's libraries for building librdkafka"
    { apt-get update -qq && apt-get install -y -qq "${librdkafka_build[@]}" >/dev/null; } ||
      echo "install: could not install them; the benchmark simulator will use kafkajs"
  fi
  echo "install: npm install (locked versions)"
  CKJS_LINKING=dynamic npm install --no-save --no-audit --no-fund --loglevel=error
fi
# Our patches to dependencies (ops/patches; see its README) are applied by npm's
# postinstall; applied here too, so that a patch pulled without a new lock file lands.
# Applying an applied patch changes nothing.
npx --no-install patch-package --patch-dir ops/patches >/dev/null
