#!/usr/bin/env bash
# The local stack: an Apache Kafka broker (KRaft, one combined broker+controller node)
# and an Apicurio schema registry, both the real thing, installed from Maven Central
# into .stack/dist and run from .stack/<instance>.
#
#   bash ops/stack.sh up       install what is missing, start, wait until both answer
#   bash ops/stack.sh up kafka the broker only (no registry)
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
#
# Authenticated transport, opt-in: a second broker listener, SASL_SSL with SCRAM
# (SHA-512 and SHA-256), beside the plaintext one, which stays as it is.
#   DERSTREAM_KAFKA_SASL_SSL_PORT  port of the SASL_SSL listener (unset: no such listener)
#   DERSTREAM_KAFKA_USERNAME   SCRAM user created for it        (derstream)
#   DERSTREAM_KAFKA_PASSWORD   its password                     (generated once into
#                              <state>/kafka/secure/password, mode 600; never printed)
# openssl makes a CA and a broker certificate (127.0.0.1, localhost) once per state
# folder, in <state>/kafka/secure; clients trust <state>/kafka/secure/ca.pem
# (DERSTREAM_KAFKA_SSL_CA). The user is created when the storage is formatted, or, for
# a storage formatted before, through the plaintext listener once the broker is up.
# Passwords reach Java through argument files (mode 600, deleted after use), never a
# command line that `ps` shows.
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
sasl_ssl_port=${DERSTREAM_KAFKA_SASL_SSL_PORT:-}
kafka_username=${DERSTREAM_KAFKA_USERNAME:-derstream}
secure="$state/kafka/secure"
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

kafka_started() {
  grep -q "Kafka Server started" "$logs/kafka.log" 2>/dev/null && port_in_use "$kafka_port" &&
    { [[ -z $sasl_ssl_port ]] || port_in_use "$sasl_ssl_port"; }
}

# Runs a Kafka tool whose arguments hold the password: they go through a Java argument
# file (mode 600, removed afterwards), so the command line others can see has none,
# and the tool's output (some repeat their arguments on error) is logged without it.
java_with_secret_args() {
  local log=$1 args="$state/kafka/java.args" status=0 output
  shift
  local arg
  (
    umask 077
    : >"$args"
    # One argument a line, quoted as argument files want: \ and " escaped.
    for arg in "$@"; do
      arg=${arg//\\/\\\\}
      printf '"%s"\n' "${arg//\"/\\\"}" >>"$args"
    done
  )
  output=$(java -cp "$kafka_lib/*" "${log_config[@]}" "@$args" 2>&1) || status=$?
  rm -f "$args"
  [[ -z ${kafka_password:-} ]] || output=${output//"$kafka_password"/[redacted]}
  printf '%s\n' "$output" >"$log"
  return $status
}

# The password of the SCRAM user: DERSTREAM_KAFKA_PASSWORD, else the one generated
# into the state folder on first use. Sets kafka_password; prints nothing of it.
secure_password() {
  if [[ -n ${DERSTREAM_KAFKA_PASSWORD:-} ]]; then
    kafka_password=$DERSTREAM_KAFKA_PASSWORD
  else
    if [[ ! -s $secure/password ]]; then
      (
        umask 077
        openssl rand -hex 24 >"$secure/password.tmp"
      ) && mv "$secure/password.tmp" "$secure/password"
    fi
    chmod 600 "$secure/password"
    kafka_password=$(<"$secure/password")
  fi
  # Kafka's SCRAM syntax ([name=…,password=…]) and Java argument files give meaning
  # to brackets, commas, '=', quotes, '#', backslashes and spaces.
  local allowed='^[A-Za-z0-9._~!@%^&*+/:;?-]{8,}$'
  [[ $kafka_password =~ $allowed ]] ||
    fail "DERSTREAM_KAFKA_PASSWORD must be at least 8 characters of letters, digits and ._~!@%^&*+/:;?- (not shown)"
  [[ $kafka_username =~ ^[A-Za-z0-9._-]+$ ]] ||
    fail "DERSTREAM_KAFKA_USERNAME \"$kafka_username\" must be letters, digits, '.', '_' or '-'"
}

# A CA and a broker certificate signed by it, once per state folder; the broker reads
# a PKCS12 keystore, clients trust ca.pem.
secure_material() {
  command -v openssl >/dev/null || fail "openssl is needed for the SASL_SSL listener (Debian: apt-get install openssl)"
  mkdir -p "$secure"
  chmod 700 "$secure"
  [[ -f $secure/.complete ]] && return 0
  say "making a CA and a broker certificate for the SASL_SSL listener in $secure"
  rm -f "$secure"/ca.* "$secure"/broker.* "$secure/keystore.password"
  if ! (
    set -e
    umask 077
    cd "$secure"
    openssl rand -hex 24 >keystore.password
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout ca.key -out ca.pem \
      -subj "/CN=derstream local stack CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout broker.key -out broker.csr -subj "/CN=localhost"
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >broker.ext
    openssl x509 -req -sha256 -days 825 -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -extfile broker.ext -out broker.pem
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
      -out broker.p12 -passout file:keystore.password
    chmod 644 ca.pem
  ) >"$logs/kafka-secure.log" 2>&1; then
    fail "could not make the certificates; openssl's output is in $logs/kafka-secure.log"
  fi
  touch "$secure/.complete"
}

scram_fingerprint() { printf '%s:%s' "$kafka_username" "$kafka_password" | openssl dgst -sha256 -r | cut -d' ' -f1; }
scram_args() {
  local mechanism
  for mechanism in SCRAM-SHA-512 SCRAM-SHA-256; do
    printf '%s\n' --add-scram "$mechanism=[name=$kafka_username,password=$kafka_password]"
  done
}

# A storage formatted without the user (or with another password): set it through the
# plaintext listener, which needs no authentication.
ensure_scram_user() {
  [[ -n $sasl_ssl_port ]] || return 0
  [[ -f $secure/scram.sha256 && $(<"$secure/scram.sha256") == "$(scram_fingerprint)" ]] && return 0
  local mechanism
  # One mechanism per request: Kafka refuses to alter a user twice in one.
  for mechanism in SCRAM-SHA-512 SCRAM-SHA-256; do
    java_with_secret_args "$logs/kafka-scram.log" kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$kafka_port" \
      --alter --entity-type users --entity-name "$kafka_username" --add-config "$mechanism=[password=$kafka_password]" ||
      fail "could not set the SCRAM user $kafka_username; the tool's output is in $logs/kafka-scram.log"
  done
  scram_fingerprint >"$secure/scram.sha256"
  say "kafka: SCRAM user $kafka_username set"
}

start_kafka() {
  if running_pid kafka >/dev/null; then
    say "kafka already running (pid $(running_pid kafka)) on 127.0.0.1:$kafka_port"
    return 0
  fi
  for p in "$kafka_port" "$controller_port"; do
    port_in_use "$p" && fail "port $p is already in use by another process: stop it, or choose another port with DERSTREAM_KAFKA_PORT / DERSTREAM_CONTROLLER_PORT"
  done
  if [[ -n $sasl_ssl_port ]]; then
    port_in_use "$sasl_ssl_port" && fail "port $sasl_ssl_port is already in use by another process: stop it, or choose another port with DERSTREAM_KAFKA_SASL_SSL_PORT"
    [[ $sasl_ssl_port =~ ^[0-9]+$ && $sasl_ssl_port != "$kafka_port" && $sasl_ssl_port != "$controller_port" ]] ||
      fail "DERSTREAM_KAFKA_SASL_SSL_PORT \"$sasl_ssl_port\" must be a port number other than the broker's and the controller's"
  fi
  local conf="$state/kafka/server.properties" data="$state/kafka/data"
  mkdir -p "$state/kafka" "$data"
  sed -e "s|@KAFKA_PORT@|$kafka_port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" -e "s|@DATA@|$data|g" \
    "$root/ops/kafka/server.properties" >"$conf"
  local format_args=()
  if [[ -n $sasl_ssl_port ]]; then
    secure_material
    secure_password
    # The keystore password is in there: readable by us only.
    chmod 600 "$conf"
    local listener="SASL_SSL://127.0.0.1:$sasl_ssl_port" mechanism
    sed -i -e "s|^listeners=.*|&,$listener|" -e "s|^advertised.listeners=.*|&,$listener|" \
      -e "s|^listener.security.protocol.map=.*|&,SASL_SSL:SASL_SSL|" "$conf"
    {
      echo "# The SASL_SSL listener (DERSTREAM_KAFKA_SASL_SSL_PORT), added by ops/stack.sh."
      echo "sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256"
      for mechanism in scram-sha-512 scram-sha-256; do
        echo "listener.name.sasl_ssl.$mechanism.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
      done
      echo "ssl.keystore.type=PKCS12"
      echo "ssl.keystore.location=$secure/broker.p12"
      echo "ssl.keystore.password=$(<"$secure/keystore.password")"
      echo "ssl.client.auth=none"
    } >>"$conf"
    mapfile -t format_args < <(scram_args)
  fi
  if [[ ! -f $data/meta.properties ]]; then
    [[ -f $state/kafka/cluster.id ]] ||
      java -cp "$kafka_lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 >"$state/kafka/cluster.id"
    java_with_secret_args "$logs/kafka-format.log" kafka.tools.StorageTool format -t "$(<"$state/kafka/cluster.id")" \
      -c "$conf" --ignore-formatted "${format_args[@]}" || fail "could not format the KRaft storage; its log: $logs/kafka-format.log"
    ((${#format_args[@]} == 0)) || scram_fingerprint >"$secure/scram.sha256"
  fi
  : >"$logs/kafka.log"
  setsid nohup java "-Xmx$kafka_heap" "-Xms$kafka_heap" -XX:+UseG1GC -Djava.awt.headless=true \
    "${log_config[@]}" -Dkafka.logs.dir="$logs" \
    -cp "$kafka_lib/*" kafka.Kafka "$conf" >>"$logs/kafka.log" 2>&1 </dev/null &
  echo $! >"$run/kafka.pid"
  wait_until "kafka" "$logs/kafka.log" kafka kafka_started
  say "kafka $kafka_version up on 127.0.0.1:$kafka_port (pid $(<"$run/kafka.pid"))"
  if [[ -n $sasl_ssl_port ]]; then
    ensure_scram_user
    say "kafka: SASL_SSL on 127.0.0.1:$sasl_ssl_port, SCRAM-SHA-512 user $kafka_username, CA $secure/ca.pem$([[ -n ${DERSTREAM_KAFKA_PASSWORD:-} ]] || echo ", password in $secure/password")"
  fi
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
  if pid=$(running_pid kafka); then
    say "kafka: running, pid $pid, 127.0.0.1:$kafka_port"
    if grep -q '^sasl.enabled.mechanisms=' "$state/kafka/server.properties" 2>/dev/null; then
      say "kafka: SASL_SSL on $(sed -n 's|^advertised.listeners=.*SASL_SSL://||p' "$state/kafka/server.properties"), CA $secure/ca.pem"
    fi
  else
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
    case ${2:-} in
      '') ;;
      kafka) ;;
      *)
        echo "usage: bash ops/stack.sh up [kafka]" >&2
        exit 2
        ;;
    esac
    if [[ ${2:-} == kafka ]]; then
      command -v java >/dev/null || fail "Java 17 or newer is needed (Debian: apt-get install openjdk-17-jre-headless)"
      mkdir -p "$dist"
      install_kafka
      start_kafka
    else
      install
      start_kafka
      start_registry
    fi
    ;;
  down)
    stop_one registry
    stop_one kafka
    ;;
  status) status ;;
  install) install ;;
  *)
    echo "usage: bash ops/stack.sh up [kafka]|down|status|install" >&2
    exit 2
    ;;
esac
