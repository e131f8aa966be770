#!/usr/bin/env bash
# The Kafka Streams peer of the throughput benchmark: builds it when the jar is missing
# or older than its sources, then runs it with the given options (run.sh --help).
#
#   bash benchmarks/peers/kafka-streams/run.sh --drain --input-topic T --groups-topic G --output-topic O
#
# The state directory is a fresh temp folder, removed afterwards. Settings:
#   PEER_JAVA       java to run it with (java in PATH; 17 or newer)
#   PEER_JAVA_OPTS  JVM options (-Xms512m -Xmx1g)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jar="$here/target/derstream-peer-kafka-streams.jar"
schema="$here/../../../schemas/avro/TelemetryReading.v1.avsc"

stale() {
  [[ -f $jar && -d $here/target/lib ]] || return 0
  [[ -n $(find "$here/pom.xml" "$here/src" "$schema" -newer "$jar" -type f -print -quit) ]]
}
if stale; then
  command -v mvn >/dev/null || { echo "peer: Maven (mvn) is needed to build the peer" >&2; exit 1; }
  echo "peer: building $jar" >&2
  log=$(mktemp)
  if ! mvn -q -B -f "$here/pom.xml" package >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "peer: the build failed" >&2
    exit 1
  fi
  rm -f "$log"
fi

state=$(mktemp -d "${TMPDIR:-/tmp}/derstream-peer-ks.XXXXXX")
pid=
cleanup() {
  [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# shellcheck disable=SC2086
"${PEER_JAVA:-java}" ${PEER_JAVA_OPTS:--Xms512m -Xmx1g} \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.RecordQueue=error \
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.kstream.internals.KStreamWindowAggregate=error \
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.StateDirectory=error \
  -cp "$jar:$here/target/lib/*" io.derstream.peer.PeerMain --state-dir "$state" "$@" &
pid=$!
set +e
wait "$pid"
status=$?
pid=
exit "$status"
