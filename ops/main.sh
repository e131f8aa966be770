#!/usr/bin/env bash
# The main job (README): the local stack, topics, schemas and migrations, then the live
# pipeline (`derstream run`) fed by a simulated fleet producing telemetry to Kafka in
# real time, until Ctrl-C. Arguments go to `derstream simulate`
# (e.g. `npm start -- --devices 50000 --rate 2000`). The stack keeps running
# afterwards; `npm run stack -- down` stops it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash ops/install.sh
bash ops/stack.sh up
npm run -s derstream -- setup

npm run -s derstream -- run &
pipeline=$!
stop() { kill -TERM "$pipeline" 2>/dev/null || true; wait "$pipeline" 2>/dev/null || true; }
trap stop EXIT INT TERM
npm run -s derstream -- simulate --devices 10000 --groups 100 "$@"
