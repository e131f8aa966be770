#!/usr/bin/env bash
# The local stack: an Apache Kafka broker (KRaft, one combined broker+controller node)
# and an Apicurio schema registry, both the real thing, installed from Maven Central
# into .stack/dist and run from .stack/<instance>.
#
#   bash ops/stack.sh up       install what is missing, start, wait until both answer
#   bash ops/stack.sh down     stop exactly the processes `up` started (recorded PIDs)
#   bash ops/stack.sh status   say what runs, exit 0 when everything is up
#   bash ops/stack.sh install  fetch the broker and the registry only
#
# Settings (environment):
#   DERSTREAM_STACK_DIR        state of this stack instance     (.stack/local)
#   DERSTREAM_KAFKA_PORT       broker listener                  (9092)
#   DERSTREAM_CONTROLLER_PORT  KRaft controller listener        (9093)
#   DERSTREAM_REGISTRY_PORT    registry HTTP                    (8081)
#   DERSTREAM_REGISTRY_ADMIN_PORT  registry health (management)  (8091)
#   DERSTREAM_KAFKA_VERSION    Apache Kafka release             (3.9.2)
#   DERSTREAM_KAFKA_HEAP       broker heap                      (512m)
#   DERSTREAM_REGISTRY_HEAP    registry heap                    (384m)
#   DERSTREAM_STACK_TIMEOUT    seconds to wait for each service (120)
#   DERSTREAM_REGISTRY_JAVA    java (21+) for the registry      (found in PATH, JAVA_HOME, /usr/lib/jvm)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dist="$root/.stack/dist"
state=${DERSTREAM_STACK_DIR:-$root/.stack/local}
mkdir -p "$state"
state=$(cd "$state" && pwd)
kafka_port=${DERSTREAM_KAFKA_PORT:-9092}
controller_port=${DERSTREAM_CONTROLLER_PORT:-9093}
registry_port=${DERSTREAM_REGISTRY_PORT:-8081}
registry_admin_port=${DERSTREAM_REGISTRY_ADMIN_PORT:-8091}
kafka_version=${DERSTREAM_KAFKA_VERSION:-3.9.2}
kafka_heap=${DERSTREAM_KAFKA_HEAP:-512m}
registry_heap=${DERSTREAM_REGISTRY_HEAP:-384m}
timeout=${DERSTREAM_STACK_TIMEOUT:-120}
apicurio_version=3.3.3

kafka_lib="$dist/kafka-$kafka_version/lib"
# Kafka 4 logs through log4j2 and still uses SLF4J 1.x, so it needs the log4j2 binding
# for SLF4J 1.x; Kafka 3 logs through reload4j. Without a binding the broker is silent.
if [[ $kafka_version == 3.* ]]; then
  log_binding=(-Dlog.binding.groupId=org.slf4j -Dlog.binding.artifactId=slf4j-reload4j -Dlog.binding.version=1.7.36)
  log_config=(-Dlog4j.configuration="file:$root/ops/kafka/log4j.properties")
else
  log_binding=(-Dlog.binding.groupId=org.apache.logging.log4j -Dlog.binding.artifactId=log4j-slf4j-impl -Dlog.binding.version=2.24.3)
  log_config=(-Dlog4j2.configurationFile="$root/ops/kafka/log4j2.properties")
fi
registry_app="$dist/apicurio-$apicurio_version"
logs="$state/logs"
run="$state/run"

say() { printf 'stack: %s\n' "$*"; }
fail() {
  printf 'stack: %s\n' "$*" >&2
  exit 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A PID file alone is not proof: after a reboot the number may belong to someone
# else's process, so the command line must also name this instance's state folder.
running_pid() {
  local file="$run/$1.pid" pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && ps -o args= -p "$pid" | grep -qF "$state"; then
    echo "$pid"
    return 0
  fi
  rm -f "$file"
  return 1
}

install_kafka() {
  [[ -f $kafka_lib/.complete ]] && return 0
  command -v mvn >/dev/null || fail "Maven (mvn) is needed to fetch Apache Kafka; install it (Debian: apt-get install maven)"
  say "fetching Apache Kafka $kafka_version from Maven Central into $kafka_lib"
  rm -rf "$kafka_lib"
  mvn -q -B -f "$root/ops/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -Dkafka.version="$kafka_version" "${log_binding[@]}" -DoutputDirectory="$kafka_lib" >"$dist/mvn-kafka.log" 2>&1 ||
    fail "could not fetch Apache Kafka $kafka_version; Maven's output is in $dist/mvn-kafka.log"
  touch "$kafka_lib/.complete"
}

install_registry() {
  [[ -f $registry_app/.complete ]] && return 0
  command -v mvn >/dev/null || fail "Maven (mvn) is needed to fetch Apicurio Registry; install it (Debian: apt-get install maven)"
  say "fetching Apicurio Registry $apicurio_version from Maven Central into $registry_app"
  rm -rf "$registry_app"
  mvn -q -B -f "$root/ops/registry/pom.xml" dependency:unpack -Dapicurio.version="$apicurio_version" \
    -DoutputDirectory="$registry_app" >"$dist/mvn-registry.log" 2>&1 ||
    fail "could not fetch Apicurio Registry $apicurio_version; Maven's output is in $dist/mvn-registry.log"
  touch "$registry_app/.complete"
}

install() {
  command -v java >/dev/null || fail "Java 17 or newer is needed (Debian: apt-get install openjdk-17-jre-headless)"
  mkdir -p "$dist"
  install_kafka
  install_registry
}

java_major() { "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}' | cut -d. -f1; }

# Apicurio 3.x is compiled for Java 21; the broker is happy with 17. Machines of ours
# carry Debian's 17 as `java` and a newer Temurin beside it.
registry_java() {
  local candidate
  for candidate in ${DERSTREAM_REGISTRY_JAVA:-} ${JAVA_HOME:+$JAVA_HOME/bin/java} "$(command -v java)" /usr/lib/jvm/*/bin/java; do
    [[ -x $candidate ]] || continue
    if (($(java_major "$candidate") >= 21)); then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

wait_until() {
  local what=$1 log=$2 pidname=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    running_pid "$pidname" >/dev/null || fail "$what exited during start-up; its log: $log"
    ((SECONDS < deadline)) || fail "$what did not answer within ${timeout}s; its log: $log"
    sleep 0.5
  done
}

kafka_started() { grep -q "Kafka Server started" "$logs/kafka.log" 2>/dev/null && port_in_use "$kafka_port"; }

start_kafka() {
  if running_pid kafka >/dev/null; then
    say "kafka already running (pid $(running_pid kafka)) on 127.0.0.1:$kafka_port"
    return 0
  fi
  for p in "$kafka_port" "$controller_port"; do
    port_in_use "$p" && fail "port $p is already in use by another process: stop it, or choose another port with DERSTREAM_KAFKA_PORT / DERSTREAM_CONTROLLER_PORT"
  done
  local conf="$state/kafka/server.properties" data="$state/kafka/data"
  mkdir -p "$state/kafka" "$data"
  sed -e "s|@KAFKA_PORT@|$kafka_port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" -e "s|@DATA@|$data|g" \
    "$root/ops/kafka/server.properties" >"$conf"
  if [[ ! -f $data/meta.properties ]]; then
    [[ -f $state/kafka/cluster.id ]] ||
      java -cp "$kafka_lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 >"$state/kafka/cluster.id"
    java -cp "$kafka_lib/*" "${log_config[@]}" kafka.tools.StorageTool format -t "$(<"$state/kafka/cluster.id")" -c "$conf" --ignore-formatted \
      >"$logs/kafka-format.log" 2>&1 || fail "could not format the KRaft storage; its log: $logs/kafka-format.log"
  fi
  : >"$logs/kafka.log"
  setsid nohup java "-Xmx$kafka_heap" "-Xms$kafka_heap" -XX:+UseG1GC -Djava.awt.headless=true \
    "${log_config[@]}" -Dkafka.logs.dir="$logs" \
    -cp "$kafka_lib/*" kafka.Kafka "$conf" >>"$logs/kafka.log" 2>&1 </dev/null &
  echo $! >"$run/kafka.pid"
  wait_until "kafka" "$logs/kafka.log" kafka kafka_started
  say "kafka $kafka_version up on 127.0.0.1:$kafka_port (pid $(<"$run/kafka.pid"))"
}

registry_ready() { curl -fsS -m 2 "http://127.0.0.1:$registry_admin_port/health/ready" >/dev/null 2>&1; }

start_registry() {
  if running_pid registry >/dev/null; then
    say "registry already running (pid $(running_pid registry)) on 127.0.0.1:$registry_port"
    return 0
  fi
  for p in "$registry_port" "$registry_admin_port"; do
    port_in_use "$p" && fail "port $p is already in use by another process: stop it, or choose another port with DERSTREAM_REGISTRY_PORT / DERSTREAM_REGISTRY_ADMIN_PORT"
  done
  local java
  java=$(registry_java) || fail "the registry (Apicurio $apicurio_version) needs Java 21 or newer and none was found; set DERSTREAM_REGISTRY_JAVA to its java binary"
  mkdir -p "$state/registry"
  : >"$logs/registry.log"
  # Schemas live in an H2 file database so ids survive a registry restart, as the
  # records already on the topics refer to them. Apicurio's global compatibility
  # defaults to NONE where Confluent's is BACKWARD; we want Confluent's.
  QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$registry_port" \
    QUARKUS_MANAGEMENT_HOST=127.0.0.1 QUARKUS_MANAGEMENT_PORT="$registry_admin_port" \
    APICURIO_RULES_GLOBAL_COMPATIBILITY=BACKWARD \
    APICURIO_STORAGE_KIND=sql APICURIO_STORAGE_SQL_KIND=h2 \
    APICURIO_DATASOURCE_URL="jdbc:h2:file:$state/registry/db;DB_CLOSE_ON_EXIT=FALSE" \
    APICURIO_DATASOURCE_USERNAME=sa APICURIO_DATASOURCE_PASSWORD=sa \
    APICURIO_DATASOURCE_JDBC_INITIAL_SIZE=2 APICURIO_DATASOURCE_JDBC_MIN_SIZE=2 APICURIO_DATASOURCE_JDBC_MAX_SIZE=10 \
    QUARKUS_LOG_CATEGORY__IO_APICURIO_REGISTRY_LOGGING_AUDIT__LEVEL=WARN \
    setsid nohup "$java" "-Xmx$registry_heap" -XX:+UseSerialGC -Djava.awt.headless=true "-Dderstream.stack=$state" \
    -jar "$registry_app/quarkus-run.jar" >>"$logs/registry.log" 2>&1 </dev/null &
  echo $! >"$run/registry.pid"
  wait_until "registry" "$logs/registry.log" registry registry_ready
  say "registry (Apicurio $apicurio_version) up on http://127.0.0.1:$registry_port/apis/ccompat/v7 (pid $(<"$run/registry.pid"))"
}

stop_one() {
  local name=$1 pid
  pid=$(running_pid "$name") || {
    say "$name not running"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (pid $pid) did not stop within 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$run/$name.pid"
  say "$name stopped (pid $pid)"
}

status() {
  local ok=0 pid
  if pid=$(running_pid kafka); then say "kafka: running, pid $pid, 127.0.0.1:$kafka_port"; else
    say "kafka: stopped"
    ok=1
  fi
  if pid=$(running_pid registry); then
    if registry_ready; then say "registry: running, pid $pid, http://127.0.0.1:$registry_port"; else
      say "registry: pid $pid but not ready"
      ok=1
    fi
  else
    say "registry: stopped"
    ok=1
  fi
  return $ok
}

mkdir -p "$logs" "$run"
case ${1:-} in
  up)
    install
    start_kafka
    start_registry
    ;;
  down)
    stop_one registry
    stop_one kafka
    ;;
  status) status ;;
  install) install ;;
  *)
    echo "usage: bash ops/stack.sh up|down|status|install" >&2
    exit 2
    ;;
esac
