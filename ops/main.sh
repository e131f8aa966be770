#!/usr/bin/env bash
# The main job (README): the local stack, the topics and schemas, and a simulated
# fleet producing telemetry to Kafka in real time until Ctrl-C. Arguments go to
# `derstream simulate` (e.g. `npm start -- --devices 50000 --rate 2000`).
# The stack keeps running afterwards; `npm run stack -- down` stops it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash ops/install.sh
bash ops/stack.sh up
npm run -s derstream -- setup
exec npm run -s derstream -- simulate --devices 10000 --groups 100 "$@"
