#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, starts the local stack
# unless it already runs, sets up topics, schemas and migrations, type-checks, lints,
# runs jest against the real services (each jest run removes its own topics, groups,
# subjects and temporary files at its end: test/support/testRun.ts), and stops the
# stack again if it started it.
# Extra arguments go to jest (e.g. `npm test -- test/pipelines`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash ops/install.sh
# The IEC schema tests run Debian's xmllint (libxml2-utils) on real output.
command -v xmllint >/dev/null || { apt-get update -qq && apt-get install -y -qq libxml2-utils >/dev/null; }
# The dashboard's browser test drives Debian's chromium (playwright-core); /metrics is checked by promtool.
bash ops/ensure-chromium.sh >/dev/null
bash ops/ensure-promtool.sh >/dev/null
started_here=0
bash ops/stack.sh status >/dev/null 2>&1 || started_here=1
cleanup() { if ((started_here)); then bash ops/stack.sh down; fi; }
trap cleanup EXIT
bash ops/stack.sh up
npm run -s derstream -- setup

echo "test: tsc --noEmit"
npx tsc --noEmit
echo "test: eslint"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "test: the files above need npm run format"; exit 1; }

results="$root/.stack/jest-results.json"
mkdir -p "$(dirname "$results")"
status=0
npx jest --ci --forceExit --json --outputFile="$results" "$@" || status=$?
# The plain closing line CI reads, whatever jest printed above it.
node -e 'const r = require(process.argv[1]); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""))' "$results" || true
exit $status
