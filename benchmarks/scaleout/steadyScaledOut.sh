#!/usr/bin/env bash
# Two instances scaled out (DERSTREAM_SCALE_OUT=partials) fed by `derstream simulate` at a
# steady rate, as a utility runs them: over a minute of steady state, both instances'
# telemetry inserts, readings inserted and process CPU (every thread, chDB's too), from
# their /metrics. The `scale-out` scenario reads a backlog, where each partition's batch
# is already large; this measures what a steady rate costs. A script to run by hand with
# the local stack up (bash ops/stack.sh up), not a test; prints one line.
#
#   bash benchmarks/scaleout/steadyScaledOut.sh [readings/s (20000)] [devices (200000)]
#
# What it leaves on the stack (topics, consumer groups and registry subjects, all named
# steady-<id>…) is removed at the end, as a bench run's is, and its chDB folders with it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rate=${1:-20000}
devices=${2:-200000}
id=steady-$(date +%s)-$RANDOM
dir=$(mktemp -d)
export DERSTREAM_TOPIC_PREFIX=$id. DERSTREAM_CONSUMER_GROUP=$id DERSTREAM_LATENESS=0 DERSTREAM_FORECAST_EVERY=24h
pids=()
finish() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done; done
  npx tsx -e "
    import { connectAdmin, createKafka } from './pipelines/io/kafka/kafkaClient';
    import { loadConfig } from './topologies/config';
    import { removeRunFromStack } from './ops/stackCleanup';
    (async () => {
      const config = loadConfig();
      const admin = await connectAdmin(createKafka(config.kafka), config.kafka);
      const { topicsLeft } = await removeRunFromStack(admin, config.registry, (name) => name.startsWith('$id'));
      if (topicsLeft.length > 0) console.error('topics left: ' + topicsLeft.join(', '));
      await admin.disconnect();
    })();
  " || true
  rm -rf "$dir"
}
trap finish EXIT
DERSTREAM_CHDB_PATH=$dir/setup npm run -s derstream -- setup > "$dir/setup.log"
# Each in a process group of its own (setsid), stopped as a whole.
setsid npm run -s derstream -- simulate --devices "$devices" --groups 1000 --rate "$rate" --late 0 \
  > "$dir/simulate.log" 2>&1 &
pids+=($!)
for i in 1 2; do
  DERSTREAM_SCALE_OUT=partials DERSTREAM_CHDB_PATH=$dir/chdb-$i DERSTREAM_HTTP_PORT=$((18180 + i)) \
    setsid npm run -s derstream -- run > "$dir/instance-$i.log" 2>&1 &
  pids+=($!)
done
metrics() {
  for i in 1 2; do
    curl -sf "http://127.0.0.1:$((18180 + i))/metrics" | grep -E \
      '^(derstream_clickhouse_insert_duration_seconds_count|derstream_clickhouse_inserted_rows_total)\{table="telemetry"\}|^process_cpu_seconds_total ' ||
      { echo "instance $i does not answer; its log: $dir/instance-$i.log" >&2; tail -5 "$dir/instance-$i.log" >&2; exit 1; }
  done
}
# Joining, the rebalance as the second instance joins, and the first windows.
sleep 45
metrics > "$dir/before"
sleep 60
metrics > "$dir/after"
awk -v rate="$rate" -v devices="$devices" '
  NR == FNR { sub(/\{.*\}/, "", $1); start[$1] += $2; next }
  { sub(/\{.*\}/, "", $1); end[$1] += $2 }
  END {
    inserts = end["derstream_clickhouse_insert_duration_seconds_count"] - start["derstream_clickhouse_insert_duration_seconds_count"]
    rows = end["derstream_clickhouse_inserted_rows_total"] - start["derstream_clickhouse_inserted_rows_total"]
    cpu = end["process_cpu_seconds_total"] - start["process_cpu_seconds_total"]
    printf "two instances scaled out, %d devices at %d readings/s asked, over 60 s: %d telemetry inserts (%.1f/s), %.1f k readings/s inserted, process CPU %.2f cores (%.1f us a reading)\n",
      devices, rate, inserts, inserts / 60, rows / 60000, cpu / 60, (rows > 0 ? cpu * 1e6 / rows : 0)
  }' "$dir/before" "$dir/after"
