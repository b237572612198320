#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft, combined broker+controller) for development
# and CI, run from Maven Central jars with the machine's Java 17+. No Docker, no tarball.
#
# Usage: tools/kafka/kafka.sh <start|run|stop|status|reset|logs>
#   start   resolve jars, write config, format storage if needed, launch in the background,
#           wait until the broker serves admin requests, print KAFKA_BROKERS=127.0.0.1:<port>.
#           Idempotent: exits 0 if it is already running.
#   run     same preparation, then exec the broker in the foreground (for a supervisor).
#   stop    SIGTERM the broker from the pidfile, SIGKILL after KAFKA_STOP_TIMEOUT seconds.
#   status  print running/stopped; exit 0 if running and answering, 3 otherwise.
#   reset   stop, then delete the broker's data (topics, offsets) and config; keeps the jars.
#   logs    print the last 100 lines of the broker log.
#
# Environment (all optional):
#   KAFKA_WORK_DIR          <repo>/.local/kafka   jars (lib/), data/, logs/, config, pidfile
#   KAFKA_LIB_DIR           $KAFKA_WORK_DIR/lib   where the jars are resolved to (brokers made
#                                                 for a test suite share the main one's jars)
#   KAFKA_PORT              9092                  PLAINTEXT listener on 127.0.0.1
#   KAFKA_CONTROLLER_PORT   9093                  KRaft controller listener on 127.0.0.1
#   KAFKA_VERSION           (the pom's kafka.version)  passed to Maven as -Dkafka.version
#   KAFKA_START_TIMEOUT     90                    seconds to wait for readiness
#   KAFKA_STOP_TIMEOUT      30                    seconds to wait after SIGTERM
#   KAFKA_HEAP_OPTS         -Xms256m -Xmx768m
#   KAFKA_JVM_OPTS          (empty)               extra JVM flags for the broker
#   JAVA_HOME / JAVA        java on PATH          Java 17 or newer
#
# See docs/decisions/0001-kafka-broker-version.md for the version choice and settings.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"
LOG4J_CONF="$SCRIPT_DIR/log4j2.properties"

KAFKA_WORK_DIR="${KAFKA_WORK_DIR:-$REPO_ROOT/.local/kafka}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:-}"
if [[ -z "${JAVA:-}" ]]; then
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
fi

HOST=127.0.0.1
LIB_DIR="${KAFKA_LIB_DIR:-$KAFKA_WORK_DIR/lib}"
DATA_DIR="$KAFKA_WORK_DIR/data"
LOG_DIR="$KAFKA_WORK_DIR/logs"
CONF="$KAFKA_WORK_DIR/server.properties"
CLIENT_CONF="$KAFKA_WORK_DIR/client.properties"
PIDFILE="$KAFKA_WORK_DIR/kafka.pid"
OUT_FILE="$LOG_DIR/kafka.out"      # the JVM's own stdout/stderr (crashes, JVM errors)
SERVER_LOG="$LOG_DIR/server.log"   # log4j2 output, WARN and up

log() { echo "kafka.sh: $*" >&2; }
# Version of the jars in lib/ (what a running broker was started from).
running_version() { cut -d' ' -f1 "$LIB_DIR/.resolved" 2>/dev/null || echo "?"; }
die() { log "error: $*"; exit 1; }

pom_version() {
  sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$POM" | head -n1
}
KAFKA_VERSION="${KAFKA_VERSION:-$(pom_version)}"
[[ -n "$KAFKA_VERSION" ]] || die "cannot read kafka.version from $POM"

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set JAVA_HOME or JAVA); Java 17+ is required"
  local v
  v="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  [[ "${v%%.*}" =~ ^[0-9]+$ ]] || die "cannot tell the Java version of $JAVA"
  (( ${v%%.*} >= 17 )) || die "Kafka $KAFKA_VERSION needs Java 17+, $JAVA is $v"
}

# --- process / port helpers ------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

read_pid() { if [[ -f "$PIDFILE" ]]; then tr -dc '0-9' <"$PIDFILE"; fi; }

# True if the pidfile names a live process that is our broker (guards against pid reuse).
broker_alive() {
  local pid; pid="$(read_pid)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

# --- preparation -----------------------------------------------------------------------------

ensure_jars() {
  local stamp want
  want="$KAFKA_VERSION $(cksum <"$POM" | cut -d' ' -f1)"
  stamp="$LIB_DIR/.resolved"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found; it is needed once to fetch the Kafka jars"
  log "resolving Kafka $KAFKA_VERSION jars from Maven into $LIB_DIR ..."
  local tmp="$LIB_DIR.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp" "$LOG_DIR"
  if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$tmp" >"$LOG_DIR/mvn.log" 2>&1; then
    rm -rf "$tmp"
    tail -n 30 "$LOG_DIR/mvn.log" >&2 || true
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (full output: $LOG_DIR/mvn.log)"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13 jar after resolution"; }
  echo "$want" >"$tmp/.resolved"
  rm -rf "$LIB_DIR"; mv "$tmp" "$LIB_DIR"
}

write_config() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  cat >"$CONF" <<EOF
# Generated by tools/kafka/kafka.sh -- edits are overwritten on every start.
# Single node, KRaft combined mode (this process is both broker and controller).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# One node: every replication factor and min ISR must be 1 or internal topics never get created.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Dev/test friendliness.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
num.partitions=3
num.network.threads=2
num.io.threads=4
log.retention.hours=24
EOF
  cat >"$CLIENT_CONF" <<EOF
request.timeout.ms=5000
default.api.timeout.ms=8000
EOF
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    local by; by="$(cat "$KAFKA_WORK_DIR/data.formatted-by" 2>/dev/null || echo unknown)"
    if [[ "$by" != "$KAFKA_VERSION" ]]; then
      log "warning: $DATA_DIR was formatted by Kafka $by, starting $KAFKA_VERSION on it (upgrades work; after a downgrade run 'kafka.sh reset')"
    fi
    return 0
  fi
  local cluster_id
  # A Kafka Uuid: 16 random bytes, base64url without padding; must not start with '-'.
  while :; do
    cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$cluster_id" != -* ]] && break
  done
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  if ! "$JAVA" -Xmx256m -cp "$LIB_DIR/*" -Dlog4j2.configurationFile="$LOG4J_CONF" \
      -Dkafka.logs.dir="$LOG_DIR/tools" \
      kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$CONF" \
      >"$LOG_DIR/format.log" 2>&1; then
    cat "$LOG_DIR/format.log" >&2
    die "storage format failed"
  fi
  echo "$KAFKA_VERSION" >"$KAFKA_WORK_DIR/data.formatted-by"
}

broker_cmd() {
  # shellcheck disable=SC2206  # word splitting of the *_OPTS variables is intended
  BROKER_CMD=("$JAVA" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$LOG_DIR"
    $KAFKA_JVM_OPTS -cp "$LIB_DIR/*" kafka.Kafka "$CONF")
}

prepare() {
  check_java
  mkdir -p "$KAFKA_WORK_DIR"
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT on $HOST is already in use by another process (not this work dir's broker); set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
  fi
  ensure_jars
  write_config
  format_storage
  broker_cmd
}

# Ready = the port answers AND an admin client can list topics (metadata served by an
# unfenced broker). A bare port check passes seconds before the broker can serve requests.
admin_ready() {
  "$JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$LIB_DIR/*" \
    -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$LOG_DIR/tools" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$KAFKA_PORT" \
    --command-config "$CLIENT_CONF" --list >/dev/null 2>&1
}

wait_ready() {
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) pid="$1"
  while (( SECONDS < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker process $pid exited during startup"; return 1
    fi
    # The admin client retries by itself for up to default.api.timeout.ms (client.properties),
    # so one attempt usually spans the gap between "port open" and "serving requests".
    if port_open "$KAFKA_PORT"; then
      if admin_ready; then return 0; fi
      sleep 0.5
    else
      sleep 0.2
    fi
  done
  log "broker not ready after ${KAFKA_START_TIMEOUT}s"; return 1
}

fail_with_logs() {
  { echo "---- $OUT_FILE (tail) ----"; tail -n 20 "$OUT_FILE" 2>/dev/null || true
    echo "---- $SERVER_LOG (tail) ----"; tail -n 40 "$SERVER_LOG" 2>/dev/null || true; } >&2
  die "$1"
}

# --- subcommands -----------------------------------------------------------------------------

cmd_start() {
  local t0=$SECONDS
  if broker_alive; then
    if port_open "$KAFKA_PORT"; then
      log "already running (pid $(read_pid), Kafka $(running_version))"
      echo "KAFKA_BROKERS=$HOST:$KAFKA_PORT"; return 0
    fi
    log "broker pid $(read_pid) is alive but not answering yet; waiting"
    wait_ready "$(read_pid)" || fail_with_logs "broker did not become ready"
    echo "KAFKA_BROKERS=$HOST:$KAFKA_PORT"; return 0
  fi
  rm -f "$PIDFILE"
  prepare
  log "starting Kafka $KAFKA_VERSION on $HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT, work dir $KAFKA_WORK_DIR)"
  echo "==== $(date -u +%FT%TZ) start Kafka $KAFKA_VERSION ====" >>"$OUT_FILE"
  # The inner shell writes its own pid, then becomes java (exec), so the pidfile is the JVM.
  # setsid: own session, so the broker outlives the calling shell / CI step and its signals.
  local detach=(nohup); if command -v setsid >/dev/null 2>&1; then detach=(setsid nohup); fi
  # shellcheck disable=SC2016  # $$ is meant for the inner shell
  "${detach[@]}" bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PIDFILE" "${BROKER_CMD[@]}" \
    </dev/null >>"$OUT_FILE" 2>&1 &
  local _
  for _ in $(seq 50); do [[ -s "$PIDFILE" ]] && break; sleep 0.1; done
  local pid; pid="$(read_pid)"
  [[ -n "$pid" ]] || fail_with_logs "broker did not start (no pid)"
  if ! wait_ready "$pid"; then
    cmd_stop || true
    fail_with_logs "Kafka $KAFKA_VERSION did not become ready (logs in $LOG_DIR)"
  fi
  log "ready in $((SECONDS - t0))s (pid $pid)"
  echo "KAFKA_BROKERS=$HOST:$KAFKA_PORT"
}

cmd_run() {
  if broker_alive; then die "already running in the background (pid $(read_pid)); run 'stop' first"; fi
  prepare
  log "running Kafka $KAFKA_VERSION in the foreground on $HOST:$KAFKA_PORT (KAFKA_BROKERS=$HOST:$KAFKA_PORT)"
  echo $$ >"$PIDFILE"
  exec "${BROKER_CMD[@]}"
}

cmd_stop() {
  if ! broker_alive; then
    rm -f "$PIDFILE"; log "not running"; return 0
  fi
  local pid; pid="$(read_pid)"
  log "stopping pid $pid"
  echo "==== $(date -u +%FT%TZ) stop (SIGTERM pid $pid) ====" >>"$OUT_FILE" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PIDFILE"
  log "stopped"
}

cmd_status() {
  if broker_alive; then
    local pid rss; pid="$(read_pid)"
    rss="$(awk '/^VmRSS/ {printf "%d MB", $2/1024}' "/proc/$pid/status" 2>/dev/null || true)"
    if port_open "$KAFKA_PORT"; then
      echo "running pid=$pid version=$(running_version) rss=${rss:-?} KAFKA_BROKERS=$HOST:$KAFKA_PORT"
      return 0
    fi
    echo "starting pid=$pid version=$(running_version) (port $KAFKA_PORT not answering yet)"
    return 3
  fi
  echo "stopped"
  return 3
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA_DIR" "$KAFKA_WORK_DIR/data.formatted-by" "$LOG_DIR" "$CONF" "$CLIENT_CONF"
  log "data and logs removed from $KAFKA_WORK_DIR (jars kept)"
}

cmd_logs() { tail -n 100 "$SERVER_LOG" "$OUT_FILE" 2>/dev/null || log "no logs yet in $LOG_DIR"; }

case "${1:-}" in
  start)  cmd_start ;;
  run)    cmd_run ;;
  stop)   cmd_stop ;;
  status) cmd_status ;;
  reset)  cmd_reset ;;
  logs)   cmd_logs ;;
  *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
