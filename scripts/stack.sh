#!/usr/bin/env bash
# Starts, stops and shows the local Bye-Buy stack without Docker: a private PostgreSQL cluster,
# a single-node KRaft Apache Kafka, and for the dev profile chromedriver, the sandbox
# marketplace and the four services. Everything lives under .run/<profile>/ and listens on
# 127.0.0.1. Processes are tracked by PID + start time and stopped only by those PIDs.
#
#   scripts/stack.sh up|down|status|clean|env [--profile dev|test]
#   scripts/stack.sh restart SERVICE [--profile dev]   (api poster monitor responder sandbox
#                                                      chromedriver kafka pg)
#
# Dev profile (make up): the services and chromedriver run under supervisord (Debian's
# supervisor), which restarts a crashed one with backoff; logs in .run/dev/logs/<name>.log.
# chromedriver, Chromium, the poster and the monitor run as the unprivileged system user
# byebuy-browser (created here when missing), never root. PostgreSQL asks for a password on
# TCP (scram-sha-256) and Kafka for SASL/PLAIN credentials; both secrets are generated into
# .run/dev/secrets/ (0600). The test profile keeps trust/PLAINTEXT (throwaway, tests only).
#
# Profile dev (make up):  PostgreSQL 54320, Kafka 19092 (controller 19093), api 8080,
#                         poster 8081, monitor 8082, responder 8083, sandbox 8090, chromedriver 9515.
# Profile test (make test): PostgreSQL 55432, Kafka 29092 (controller 29093); nothing else.
# BB_RUN_DIR=DIR keeps the profile's state in DIR instead of .run/<profile>.
# Ports can be overridden with BB_<NAME>_PORT (dev) or BB_TEST_<NAME>_PORT (test), e.g.
# BB_PG_PORT=5999 make up; for dev also PG_PORT, KAFKA_PORT and HTTP_PORT (api), in .env too. `clean` stops the profile and deletes its data.
# `env` prints the environment the dev profile's services get (DATABASE_URL hidden).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BB_ROOT"

usage() {
    say "usage: scripts/stack.sh up|down|status|clean|env|token [--profile dev|test]"
    say "       scripts/stack.sh restart SERVICE [--profile dev|test]"
    exit 2
}

CMD="${1:-}"
[ -n "$CMD" ] || usage
shift
PROFILE=dev
TARGET=""
while [ $# -gt 0 ]; do
    case "$1" in
    --profile) [ $# -ge 2 ] || usage; PROFILE="$2"; shift 2 ;;
    --profile=*) PROFILE="${1#--profile=}"; shift ;;
    -*) usage ;;
    *) [ "$CMD" = restart ] && [ -z "$TARGET" ] || usage; TARGET="$1"; shift ;;
    esac
done
[ "$CMD" != restart ] || [ -n "$TARGET" ] || usage
case "$PROFILE" in dev | test) ;; *) die "unknown profile '$PROFILE' (dev or test)" ;; esac

# ---- configuration --------------------------------------------------------------------------

# Reads KEY=VALUE lines of .env into the environment for keys not set yet (the environment
# wins, as in the services' own config loader). No shell evaluation of the file.
load_dotenv() {
    local line key val
    [ -f "$BB_ROOT/.env" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line#"${line%%[![:space:]]*}"}"
        case "$line" in '' | '#'*) continue ;; esac
        line="${line#export }"
        key="${line%%=*}"
        [ "$key" != "$line" ] || continue
        [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
        val="${line#*=}"
        case "$val" in \"*\") val="${val:1:${#val}-2}" ;; \'*\') val="${val:1:${#val}-2}" ;; esac
        [ -n "${!key+x}" ] || export "$key=$val"
    done <"$BB_ROOT/.env"
}

# Port of a component: BB_<NAME>_PORT (dev) / BB_TEST_<NAME>_PORT (test), else for dev the
# short alias the README names (PG_PORT, KAFKA_PORT, HTTP_PORT), else the default.
port_of() {
    local var="$PREFIX${1}_PORT" alias="${3:-}"
    local v="${!var:-}"
    if [ -z "$v" ] && [ -n "$alias" ] && [ "$PROFILE" = dev ]; then v="${!alias:-}" var="$alias"; fi
    v="${v:-$2}"
    if ! [[ "$v" =~ ^[0-9]+$ ]] || [ "$v" -lt 1 ] || [ "$v" -gt 65535 ]; then
        die "$var: not a port number: '$v'"
    fi
    printf '%s' "$((10#$v))"
}

if [ "$PROFILE" = dev ]; then
    # The dev stack honours .env; tests must not depend on a developer's settings.
    load_dotenv
    PREFIX=BB_
    PG_PORT="$(port_of PG 54320 PG_PORT)"
    KAFKA_PORT="$(port_of KAFKA 19092 KAFKA_PORT)"
    KAFKA_CONTROLLER_PORT="$(port_of KAFKA_CONTROLLER 19093)"
    API_PORT="$(port_of API 8080 HTTP_PORT)"
    POSTER_PORT="$(port_of POSTER 8081)"
    MONITOR_PORT="$(port_of MONITOR 8082)"
    RESPONDER_PORT="$(port_of RESPONDER 8083)"
    SANDBOX_PORT="$(port_of SANDBOX 8090)"
    CHROMEDRIVER_PORT="$(port_of CHROMEDRIVER 9515)"
    COMPONENTS=(pg kafka chromedriver sandbox api poster monitor responder)
else
    PREFIX=BB_TEST_
    PG_PORT="$(port_of PG 55432)"
    KAFKA_PORT="$(port_of KAFKA 29092)"
    KAFKA_CONTROLLER_PORT="$(port_of KAFKA_CONTROLLER 29093)"
    COMPONENTS=(pg kafka)
fi

# BB_RUN_DIR puts a whole stack elsewhere (the integration tests run a dev-profile stack of
# their own, on their own ports, beside a developer's `make up`).
RUN="${BB_RUN_DIR:-$BB_ROOT/.run/$PROFILE}"
LOGS="$RUN/logs"
PIDS="$RUN/pids"
SECRETS="$RUN/secrets"
SUPERVISOR_CONF="$RUN/supervisord.conf"
BROWSER_USER="${BB_BROWSER_USER:-byebuy-browser}"
# What supervisord runs (dev profile), in start order; PostgreSQL (pg_ctl) and Kafka are not.
SUPERVISED=(chromedriver sandbox api poster monitor responder)
# The browser side runs as BROWSER_USER: chromedriver (and so Chromium) and the two services
# that drive it and hand it files (the poster's downloaded photos, the account profiles).
BROWSER_SIDE=" chromedriver poster monitor "
KAFKA_SASL_USER=byebuy
BIN="$BB_ROOT/build/bin"
KAFKA_VERSION=4.1.1
KAFKA_LIBS="${BB_KAFKA_HOME:-$BB_ROOT/.cache/kafka-$KAFKA_VERSION}/libs"
JAVA="${JAVA:-java}"
CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || echo /usr/bin/chromedriver)}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
READY_TIMEOUT="${BB_READY_TIMEOUT:-60}"
# C1-only JIT starts the JVM markedly faster; the throughput it gives up does not matter for
# a format tool, nor for the test broker.
JAVA_TOOL_FLAGS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1)
JAVA_BROKER_FLAGS=(-Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)
[ "$PROFILE" != test ] || JAVA_BROKER_FLAGS+=(-XX:TieredStopAtLevel=1)
LOG_LEVEL="${LOG_LEVEL:-info}"

# ---- helpers ---------------------------------------------------------------------------------

rel() { printf '%s' "${1#"$BB_ROOT"/}"; }

# Fixed-width component label for aligned progress lines.
lbl() { printf '%-13s' "$1"; }

# Dies when PORT is taken by a process that is not ours: starting would only fail later.
require_free_port() {
    local port="$1" what="$2" var="$3"
    if port_open "$port"; then
        die "$what: port $port on 127.0.0.1 is already in use by another process (set $var to another port, or stop it)"
    fi
}

# Waits until "$@" succeeds, up to TIMEOUT seconds, while PIDFILE's process stays alive.
# Returns 1 when the process exited (the caller decides: retry or die); dies on timeout.
wait_ready() {
    local name="$1" timeout="$2" pidfile="$3" log="$4"
    shift 4
    local deadline=$((SECONDS + timeout))
    while ! "$@" >/dev/null 2>&1; do
        if [ -n "$pidfile" ] && ! pidfile_alive "$pidfile"; then
            rm -f "$pidfile"
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail_log "$log"
            die "$name not ready after ${timeout}s; see $(rel "$log") (scripts/stack.sh down${PROFILE:+ --profile $PROFILE} stops what did start)"
        fi
        sleep 0.25
    done
}

# True when the end of LOG says a bind failed. Our ports lie in Linux's ephemeral range
# (32768-60999), so a client socket of another program can hold one for a moment: retry then.
bind_conflict() { tail -n 40 "$1" 2>/dev/null | grep -qi 'address already in use'; }

# Runs START_FN then waits for READY...; retries up to 3 times when the process died of a
# bind conflict, dies with the log's tail otherwise.
start_and_wait() {
    local name="$1" timeout="$2" pidfile="$3" log="$4" start_fn="$5" attempt
    shift 5
    for attempt in 1 2 3; do
        "$start_fn"
        if wait_ready "$name" "$timeout" "$pidfile" "$log" "$@"; then return 0; fi
        if [ "$attempt" -lt 3 ] && bind_conflict "$log"; then
            note "$name: port busy for a moment (attempt $attempt), retrying in 2 s"
            sleep 2
            continue
        fi
        tail_log "$log"
        die "$name exited during start; see $(rel "$log")"
    done
}

http_ok() { curl -fsS -o /dev/null -m 2 "$1"; }

# ---- secrets (dev profile) -------------------------------------------------------------------

# The secret named $1 from .run/<profile>/secrets/ (0600), generated on first use. Hex, so it
# needs no quoting in a URL, a properties file or supervisord's config.
secret_of() {
    local f="$SECRETS/$1"
    if [ ! -s "$f" ]; then
        (umask 077 && mkdir -p "$SECRETS" && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$f.new" &&
            mv "$f.new" "$f")
    fi
    chmod 700 "$SECRETS"
    chmod 600 "$f"
    cat "$f"
}

# Dev: libpq's password file for the stack's own psql and for the api (PGPASSFILE), and kcat's
# SASL settings. Both 0600 under .run/dev/secrets.
secrets_init() {
    [ "$PROFILE" = dev ] || return 0
    local pgpw kpw
    pgpw="$(secret_of pg_password)" kpw="$(secret_of kafka_password)"
    (umask 077 && printf '127.0.0.1:%s:*:postgres:%s\n' "$PG_PORT" "$pgpw" >"$SECRETS/pgpass" &&
        printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=PLAIN\nsasl.username=%s\nsasl.password=%s\n' \
            "$KAFKA_SASL_USER" "$kpw" >"$SECRETS/kcat.conf")
    export PGPASSFILE="$SECRETS/pgpass"
}

# ---- PostgreSQL --------------------------------------------------------------------------------
# initdb/pg_ctl refuse root, so they run as the postgres user, which must own the cluster
# directory and be able to reach it. A checkout under a private home (/root/...) is not
# reachable by postgres: then the cluster lives under /tmp and .run/<profile>/pg links to it.

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@" 9>&-)
    else
        "$@" 9>&-
    fi
}

pg_home() {
    if [ -L "$RUN/pg" ]; then
        readlink "$RUN/pg"
    elif [ -d "$RUN/pg" ] || [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$RUN" 2>/dev/null; then
        printf '%s' "$RUN/pg"
    else
        printf '%s' "/tmp/byebuy-pg-$(printf '%s' "$RUN" | sha256sum | cut -c1-12)"
    fi
}

pg_running() {
    local home
    home="$(pg_home)"
    [ -f "$home/data/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$home/data" status >/dev/null 2>&1
}

pg_pid() { head -n1 "$(pg_home)/data/postmaster.pid" 2>/dev/null || true; }

pg_up() {
    local home data sock log
    [ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL 15 binaries not found in $PG_BIN (run scripts/install-deps.sh)"
    T_PG="$(now_s)"
    home="$(pg_home)"
    data="$home/data" sock="$home/sock" log="$home/postgres.log"
    if pg_running; then
        note "$(lbl postgres)already running (pid $(pg_pid), port $PG_PORT)"
        return 0
    fi
    require_free_port "$PG_PORT" postgres "${PREFIX}PG_PORT"
    mkdir -p "$home" "$sock"
    [ "$home" = "$RUN/pg" ] || ln -sfn "$home" "$RUN/pg"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$home" "$sock"; fi
    chmod 700 "$home"
    touch "$log"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$log"; fi
    ln -sfn "$log" "$LOGS/postgres.log"
    if [ ! -f "$data/PG_VERSION" ]; then
        note "$(lbl postgres)initdb $(rel "$data")"
        as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
            >>"$log" 2>&1 || { tail_log "$log"; die "initdb failed; see $(rel "$LOGS/postgres.log")"; }
    fi
    [ "$PROFILE" != dev ] || pg_hba_write "$data"
    local opts="-p $PG_PORT -k $sock -c listen_addresses=127.0.0.1 -c max_connections=300"
    # Throwaway test data: durability costs time and buys nothing.
    [ "$PROFILE" != test ] || opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    note "$(lbl postgres)starting on 127.0.0.1:$PG_PORT"
    local attempt
    for attempt in 1 2 3; do
        if as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -o "$opts" -w -t "$READY_TIMEOUT" start >/dev/null; then
            break
        fi
        if [ "$attempt" -lt 3 ] && bind_conflict "$log"; then
            note "$(lbl postgres)port busy for a moment (attempt $attempt), retrying in 2 s"
            sleep 2
            continue
        fi
        tail_log "$log"
        die "PostgreSQL did not start; see $(rel "$LOGS/postgres.log")"
    done
    wait_ready postgres "$READY_TIMEOUT" "" "$log" pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 1
    note "$(lbl postgres)ready ($(elapsed "$T_PG") s)"
    if [ "$PROFILE" = dev ]; then
        # The password goes in over the Unix socket (trust there: its directory is the
        # cluster owner's, mode 0700), on stdin so no command line shows it.
        printf "SET password_encryption = 'scram-sha-256'; ALTER ROLE postgres PASSWORD '%s';\n" \
            "$(secret_of pg_password)" |
            as_pg psql -q -h "$sock" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -f - >/dev/null ||
            die "could not set the PostgreSQL password"
        if [ "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname = 'byebuy'")" != 1 ]; then
            note "$(lbl postgres)creating database byebuy"
            createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres byebuy
        fi
    fi
}

# Dev: TCP asks for the password (scram-sha-256); the Unix socket, in a directory only the
# cluster's owner can enter, trusts (stack.sh sets the password through it). Written before
# every start, so a cluster made by an older stack.sh with trust everywhere is closed too.
pg_hba_write() {
    local hba="$1/pg_hba.conf"
    cat >"$hba" <<EOF
# Written by scripts/stack.sh (dev profile); rewritten at every start.
# TCP: password (scram-sha-256), in .run/dev/secrets/pg_password (0600).
# Unix socket: its directory (.run/dev/pg/sock) is reachable only by the cluster's owner.
local   all all                trust
host    all all 127.0.0.1/32   scram-sha-256
host    all all ::1/128        scram-sha-256
EOF
    chmod 600 "$hba"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$hba"; fi
}

pg_down() {
    local home pid
    home="$(pg_home)"
    pg_running || return 0
    pid="$(pg_pid)"
    note "$(lbl postgres)stopping (pid $pid)"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$home/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
        note "$(lbl postgres)did not stop in 30 s: SIGKILL"
        if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
}

# ---- Kafka ---------------------------------------------------------------------------------------

# The client listener: SASL_PLAINTEXT with PLAIN for dev (the one user's password in
# .run/dev/secrets/kafka_password), PLAINTEXT for the throwaway test profile. Why PLAIN and
# not SCRAM: docs/architecture.md, "Local isolation".
kafka_listener_config() {
    if [ "$PROFILE" = dev ]; then
        local pw
        pw="$(secret_of kafka_password)"
        cat <<EOF
listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$KAFKA_SASL_USER" password="$pw" user_$KAFKA_SASL_USER="$pw";
EOF
    else
        cat <<EOF
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
EOF
    fi
}

kafka_config() {
    cat <<EOF
# Written by scripts/stack.sh ($PROFILE profile): single-node KRaft, broker + controller.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
$(kafka_listener_config)
log.dirs=$RUN/kafka/data
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

kafka_log4j() {
    cat <<EOF
# Written by scripts/stack.sh: the broker logs to one file.
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = $LOGS/kafka.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka-request.name = kafka.request.logger
logger.kafka-request.level = warn
logger.state-change.name = state.change.logger
logger.state-change.level = warn
EOF
}

kafka_ready() {
    if [ "$PROFILE" = dev ]; then
        kcat -F "$SECRETS/kcat.conf" -b "127.0.0.1:$KAFKA_PORT" -L -m 2 >/dev/null 2>&1
    else
        kcat -b "127.0.0.1:$KAFKA_PORT" -L -m 2 >/dev/null 2>&1
    fi
}

# The lines fixed when the storage was formatted (the voter set is written into the log).
kafka_fixed_lines() { grep -E '^(node\.id|controller\.quorum\.bootstrap\.servers|log\.dirs)=' "$@" || true; }

kafka_up() {
    local dir="$RUN/kafka" pidfile="$PIDS/kafka.pid" cid
    T_KAFKA="$(now_s)"
    if pidfile_alive "$pidfile"; then
        note "$(lbl kafka)already running (pid $(pidfile_pid "$pidfile"), port $KAFKA_PORT)"
        return 0
    fi
    ls "$KAFKA_LIBS"/kafka_2.13-*.jar >/dev/null 2>&1 ||
        die "Apache Kafka jars missing in $(rel "$KAFKA_LIBS") (run scripts/install-deps.sh or make deps)"
    command -v kcat >/dev/null || die "kcat not installed (run scripts/install-deps.sh)"
    require_free_port "$KAFKA_PORT" kafka "${PREFIX}KAFKA_PORT"
    require_free_port "$KAFKA_CONTROLLER_PORT" "kafka controller" "${PREFIX}KAFKA_CONTROLLER_PORT"
    mkdir -p "$dir/data"
    kafka_log4j >"$dir/log4j2.properties"
    if [ -f "$dir/data/meta.properties" ]; then
        # The voter set (controller endpoint) is written into the log at format time; the
        # rest (listeners, SASL) may change from one start to the next.
        [ "$(kafka_config | kafka_fixed_lines)" = "$(kafka_fixed_lines "$dir/server.properties")" ] ||
            die "Kafka settings changed since its storage was formatted; run: scripts/stack.sh clean --profile $PROFILE"
        (umask 077 && kafka_config >"$dir/server.properties")
    else
        (umask 077 && kafka_config >"$dir/server.properties")
        # A cluster id is 16 random bytes in URL-safe base64 without padding; one that starts
        # with '-' (1 in 64) would be read by kafka-storage as an option, so draw again.
        cid=-
        while [[ "$cid" == -* ]]; do
            cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
        done
        note "$(lbl kafka)formatting storage (cluster $cid)"
        "$JAVA" "${JAVA_TOOL_FLAGS[@]}" -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$KAFKA_LIBS/*" \
            kafka.tools.StorageTool format --standalone -t "$cid" -c "$dir/server.properties" \
            >>"$LOGS/kafka-format.log" 2>&1 ||
            { tail_log "$LOGS/kafka-format.log"; die "formatting Kafka storage failed; see $(rel "$LOGS/kafka-format.log")"; }
    fi
    note "$(lbl kafka)starting on 127.0.0.1:$KAFKA_PORT"
    start_and_wait kafka "${BB_KAFKA_READY_TIMEOUT:-180}" "$pidfile" "$LOGS/kafka.log" kafka_start kafka_ready
    note "$(lbl kafka)ready ($(elapsed "$T_KAFKA") s)"
}

kafka_start() {
    local dir="$RUN/kafka"
    printf '==== %s start\n' "$(date -u +%FT%TZ)" >>"$LOGS/kafka.out"
    start_detached "$PIDS/kafka.pid" "$LOGS/kafka.out" "$JAVA" "${JAVA_BROKER_FLAGS[@]}" \
        -Dlog4j2.configurationFile="$dir/log4j2.properties" \
        -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
}

# ---- chromedriver, sandbox, services ---------------------------------------------------------

# Until a real account is configured (BB_REAL_MARKETPLACES=1, after byebuy-login), the dev
# stack is a demo: Facebook Marketplace jobs go to the sandbox, which has Facebook's paths and
# form semantics, so a newcomer sees the whole pipeline work without an account.
facebook_url() {
    if [ -n "${FACEBOOK_URL:-}" ]; then
        printf '%s' "$FACEBOOK_URL"
    elif [ "${BB_REAL_MARKETPLACES:-0}" = 1 ]; then
        printf '%s' "https://www.facebook.com"
    else
        printf '%s' "http://127.0.0.1:$SANDBOX_PORT"
    fi
}

# Environment every service gets (on top of the caller's environment and .env).
service_env() {
    SVC_ENV=(
        "DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:$PG_PORT/byebuy}"
        "KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$KAFKA_PORT}"
        "HTTP_HOST=${HTTP_HOST:-127.0.0.1}"
        "LOG_LEVEL=$LOG_LEVEL"
        "WEBDRIVER_URL=${WEBDRIVER_URL:-http://127.0.0.1:$CHROMEDRIVER_PORT}"
        "SANDBOX_URL=${SANDBOX_URL:-http://127.0.0.1:$SANDBOX_PORT}"
        "FACEBOOK_URL=$(facebook_url)"
        "UPLOAD_DIR=${UPLOAD_DIR:-$RUN/uploads}"
        "WORK_DIR=${WORK_DIR:-$RUN/poster-work}"
        # the api's URL follows its port (BB_API_PORT / HTTP_PORT): image URLs in events,
        # and where the poster delivers its screenshots
        "API_PUBLIC_URL=${API_PUBLIC_URL:-http://127.0.0.1:$API_PORT}"
        "PROFILE_DIR=${PROFILE_DIR:-$RUN/profiles}"
        "SANDBOX_HOST=${SANDBOX_HOST:-127.0.0.1}"
        "SANDBOX_DATA_DIR=${SANDBOX_DATA_DIR:-$RUN/sandbox}"
    )
    if [ "$PROFILE" = dev ]; then SVC_ENV+=("API_TOKEN_FILE=${API_TOKEN_FILE:-$STACK_TOKEN}"); fi
    # The sandbox needs no login, so in demo mode the monitor opens its inbox on a fresh
    # profile each time: it never holds the account's profile that a posting job waits for.
    # Its facebook_marketplace is the sandbox too: Facebook's minutes between posts would only
    # make the demo wait (a real account, BB_REAL_MARKETPLACES=1, keeps them).
    # Our PostgreSQL asks for its password (libpq reads it from PGPASSFILE, 0600) and our
    # Kafka for SASL/PLAIN credentials (KAFKA_* become librdkafka's settings); a database or
    # broker of the user's own (.env) brings its own.
    if [ "$PROFILE" = dev ] && [ -z "${DATABASE_URL:-}" ]; then
        SVC_ENV+=("PGPASSFILE=$SECRETS/pgpass")
    fi
    if [ "$PROFILE" = dev ] && [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
        SVC_ENV+=("KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT" "KAFKA_SASL_MECHANISMS=PLAIN"
            "KAFKA_SASL_USERNAME=$KAFKA_SASL_USER" "KAFKA_SASL_PASSWORD=$(secret_of kafka_password)")
    fi
    if demo_mode; then
        SVC_ENV+=("MONITOR_USE_PROFILES=${MONITOR_USE_PROFILES:-false}"
            "PACING_OFF=${PACING_OFF:-facebook_marketplace}")
    fi
}

# The stack's api token: created once with `byebuy-api token create` (which also migrates and
# creates the owner on a fresh database), 0600, and given to the services that call the api
# (API_TOKEN_FILE: the poster's screenshots and image downloads). Delete the file for a new one.
STACK_TOKEN="$RUN/stack-token"
stack_token_ensure() {
    stack_token_create
    # The poster runs as the browser user (browser_user_ensure): the token is its file alone.
    if [ -s "$STACK_TOKEN" ] && [ -n "${BROWSER_AS:-}" ]; then chown "$BROWSER_AS:" "$STACK_TOKEN"; fi
}
stack_token_create() {
    [ -s "$STACK_TOKEN" ] && return 0
    [ -x "$BIN/byebuy-api" ] || return 0
    service_env
    local tmp="$STACK_TOKEN.tmp.$$"
    if ! (umask 077 && env "${SVC_ENV[@]}" "$BIN/byebuy-api" token create --name stack \
        >"$tmp" 2>>"$LOGS/api.log"); then
        rm -f "$tmp"
        die "could not create the stack's api token (see $(rel "$LOGS/api.log"))"
    fi
    mv "$tmp" "$STACK_TOKEN"
    note "$(lbl api)api token for the services: $(rel "$STACK_TOKEN")"
}

# First run: no owner password yet -> a one-time setup link (a new one per `make up`; the
# earlier one stops working). Nothing when the password is set.
setup_link_show() {
    local link
    [ -x "$BIN/byebuy-api" ] || return 0
    service_env
    if link="$(env "${SVC_ENV[@]}" "$BIN/byebuy-api" owner setup-link 2>/dev/null)" &&
        [ -n "$link" ]; then
        say "  FIRST RUN: set the owner's password at $link"
        say "  (one use, valid 1 hour; or: build/bin/byebuy-api owner set-password)"
    fi
}

# Demo mode: no real marketplace configured (see facebook_url).
demo_mode() { [ -z "${FACEBOOK_URL:-}" ] && [ "${BB_REAL_MARKETPLACES:-0}" != 1 ]; }

# Demo mode watches the sandbox's inbox from the start, so that a buyer who writes to a
# sandbox item gets an answer without any setup. POST /api/polling/start creates the
# default account (facebook_marketplace, which demo mode points at the sandbox) when there is
# none and starts its monitor; it is idempotent, so `make up` on a running stack changes
# nothing. A stack whose api or monitor did not start skips this with a note.
demo_inbox_up() {
    local out="" attempt
    svc_alive api && svc_alive monitor || {
        note "$(lbl monitor)demo inbox not started: the api or the monitor is not running"
        return 0
    }
    for attempt in 1 2 3; do
        if out="$(curl -fsS -m 10 -X POST -H 'Content-Type: application/json' -d '{}' \
            -H "Authorization: Bearer $(cat "$STACK_TOKEN" 2>/dev/null)" \
            "http://127.0.0.1:$API_PORT/api/polling/start" 2>&1)"; then
            if [[ "$out" =~ \"status\":\"([a-z_]+)\".*\"account_id\":([0-9]+) ]]; then
                note "$(lbl monitor)demo: watching the sandbox inbox (account ${BASH_REMATCH[2]}, ${BASH_REMATCH[1]//_/ })"
            else
                note "$(lbl monitor)demo: POST /api/polling/start answered $out"
            fi
            return 0
        fi
        sleep "$attempt"
    done
    note "$(lbl monitor)demo inbox not started: POST /api/polling/start failed: $out"
}

# ---- supervisord: chromedriver, sandbox and the services (dev profile) ----------------------
# supervisord (Debian's supervisor) restarts a crashed program: at once when it had run for
# startsecs, else after 1, 2, 3... s, up to startretries times before giving up (FATAL).

supervised() { [ "$PROFILE" = dev ] && [[ " ${SUPERVISED[*]} " == *" $1 "* ]]; }
browser_side() { [[ "$BROWSER_SIDE" == *" $1 "* ]]; }

sctl() { supervisorctl -c "$SUPERVISOR_CONF" "$@"; }

supervisord_alive() { pidfile_alive "$PIDS/supervisord.pid"; }

# State of program $1 under supervisord (RUNNING, STARTING, BACKOFF, FATAL, STOPPED...), or
# nothing when supervisord does not run it.
sv_state() {
    supervisord_alive || return 0
    # supervisorctl status exits 3 for a program that is not running: not an error here.
    { sctl status "byebuy:$1" 2>/dev/null || true; } | awk 'NR == 1 && $2 ~ /^[A-Z]+$/ { print $2 }'
}
sv_pid() { { sctl status "byebuy:$1" 2>/dev/null || true; } | sed -n 's/.* pid \([0-9]*\),.*/\1/p'; }

# True when component $1 runs (under supervisord, or detached by an older stack.sh).
svc_alive() {
    if supervised "$1" && [ "$(sv_state "$1")" = RUNNING ]; then return 0; fi
    pidfile_alive "$PIDS/$1.pid"
}

# A value for supervisord's config: '%' doubled (it expands %(name)s), double-quoted.
sv_q() {
    local v="${1//%/%%}"
    [[ "$v" != *'"'* && "$v" != *$'\n'* ]] || die "supervisord cannot take this value (quote or newline): $1"
    printf '"%s"' "$v"
}

# The system user the browser side runs as; created when missing (needs root). Without root
# the stack runs as the invoking user, which is not root either.
browser_user_ensure() {
    BROWSER_AS=""
    [ "$(id -u)" = 0 ] || return 0
    if ! id -u "$BROWSER_USER" >/dev/null 2>&1; then
        note "$(lbl chromedriver)creating system user $BROWSER_USER (runs chromedriver, Chromium, poster, monitor)"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$BROWSER_USER" || die "could not create user $BROWSER_USER"
    fi
    runuser -u "$BROWSER_USER" -- test -x "$RUN" 2>/dev/null ||
        die "$BROWSER_USER cannot enter $(rel "$RUN"): move the checkout out of a private home (e.g. /root) or make its parents world-executable"
    BROWSER_AS="$BROWSER_USER"
    # Its writable directories: the account profiles (byebuy-login, run as root, may have
    # written into them), the poster's downloads, Chromium's HOME.
    local d
    for d in "$RUN/profiles" "$RUN/poster-work" "$RUN/browser-home"; do
        mkdir -p "$d"
        chown -R "$BROWSER_USER:" "$d"
        chmod 700 "$d"
    done
    touch "$LOGS/chromedriver.log"
    chown "$BROWSER_USER:" "$LOGS/chromedriver.log"
}

# [program:NAME] with COMMAND... and the environment in SVC_ENV (plus EXTRA_ENV).
sv_program() {
    local name="$1" cmd="" a kv envs=""
    shift
    for a in "$@"; do cmd+="${cmd:+ }$(sv_q "$a")"; done
    for kv in "${SVC_ENV[@]}" "${EXTRA_ENV[@]}"; do envs+="${envs:+,}${kv%%=*}=$(sv_q "${kv#*=}")"; done
    cat <<EOF

[program:$name]
command=$cmd
directory=${BB_ROOT//%/%%}
environment=$envs
autostart=false
autorestart=true
startsecs=2
startretries=10
stopsignal=TERM
stopwaitsecs=20
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile=${LOGS//%/%%}/$name.log
stdout_logfile_maxbytes=50MB
stdout_logfile_backups=3
EOF
    if [ -n "$BROWSER_AS" ] && browser_side "$name"; then printf 'user=%s\n' "$BROWSER_AS"; fi
}

supervisor_config() {
    local c port_var port exe members=()
    cat <<EOF
; Written by scripts/stack.sh at every \`make up\`: do not edit (holds secrets: 0600).
[unix_http_server]
file=${RUN//%/%%}/supervisor.sock
chmod=0700

[supervisord]
nodaemon=true
logfile=${LOGS//%/%%}/supervisord.log
logfile_maxbytes=10MB
pidfile=${RUN//%/%%}/supervisord.pid
childlogdir=${LOGS//%/%%}
identifier=byebuy-$PROFILE

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${RUN//%/%%}/supervisor.sock
EOF
    service_env
    for c in "${SUPERVISED[@]}"; do
        EXTRA_ENV=()
        if [ "$c" = chromedriver ]; then
            [ -x "$CHROMEDRIVER" ] || continue
            # No --allowed-ips: with it chromedriver listens on every interface.
            EXTRA_ENV=("HOME=$RUN/browser-home")
            sv_program chromedriver "$CHROMEDRIVER" --port="$CHROMEDRIVER_PORT" --log-path="$LOGS/chromedriver.log"
        else
            exe="$BIN/byebuy-$c"
            [ -x "$exe" ] || continue
            port="$(component_port "$c")"
            case "$c" in api) port_var=HTTP_PORT ;; sandbox) port_var=SANDBOX_PORT ;; *) port_var=HEALTH_PORT ;; esac
            EXTRA_ENV=("$port_var=$port")
            # Static membership: a restarted consumer takes its partitions back at once.
            # BB_STATIC_MEMBERSHIP=0 turns it off (to measure the difference).
            if [ "${BB_STATIC_MEMBERSHIP:-1}" = 1 ]; then
                case "$c" in api | poster | monitor | responder)
                    EXTRA_ENV+=("KAFKA_GROUP_INSTANCE_ID=${INSTANCE_ID:-$(hostname)}-$c") ;;
                esac
            fi
            if browser_side "$c"; then EXTRA_ENV+=("HOME=$RUN/browser-home"); fi
            sv_program "$c" "$exe"
        fi
        members+=("$c")
    done
    printf '\n[group:byebuy]\nprograms=%s\n' "$(IFS=,; printf '%s' "${members[*]}")"
}

# Writes the config and starts supervisord, or has a running one take the new config
# (`update` restarts only programs whose section changed).
supervisor_up() {
    command -v supervisord >/dev/null || die "supervisor not installed (run scripts/install-deps.sh)"
    browser_user_ensure
    (umask 077 && supervisor_config >"$SUPERVISOR_CONF.new") && mv "$SUPERVISOR_CONF.new" "$SUPERVISOR_CONF"
    if supervisord_alive; then
        sctl update >/dev/null || die "supervisorctl update failed; see $(rel "$LOGS/supervisord.log")"
        return 0
    fi
    note "$(lbl supervisord)starting (restarts a crashed service; make restart SERVICE=name)"
    printf '==== %s start\n' "$(date -u +%FT%TZ)" >>"$LOGS/supervisord.out"
    start_detached "$PIDS/supervisord.pid" "$LOGS/supervisord.out" supervisord -n -c "$SUPERVISOR_CONF"
    wait_ready supervisord 20 "$PIDS/supervisord.pid" "$LOGS/supervisord.out" sctl pid ||
        { tail_log "$LOGS/supervisord.out"; die "supervisord exited during start"; }
}

# Waits for /healthz of a supervised program (or, for chromedriver, /status); dies when
# supervisord gave up on it (FATAL) or after READY_TIMEOUT.
sv_wait_ready() {
    local name="$1" url="$2" deadline=$((SECONDS + READY_TIMEOUT)) i=0 st
    while ! http_ok "$url" >/dev/null 2>&1; do
        if ((i++ % 8 == 0)); then
            st="$(sv_state "$name")"
            if [ "$st" = FATAL ] || [ -z "$st" ]; then
                tail_log "$LOGS/$name.log"
                die "$name could not be started (supervisord: ${st:-not managed}); see $(rel "$LOGS/$name.log")"
            fi
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail_log "$LOGS/$name.log"
            die "$name not ready after ${READY_TIMEOUT}s; see $(rel "$LOGS/$name.log")"
        fi
        sleep 0.25
    done
}

health_url() {
    if [ "$1" = chromedriver ]; then
        printf 'http://127.0.0.1:%s/status' "$CHROMEDRIVER_PORT"
    else
        printf 'http://127.0.0.1:%s/healthz' "$(component_port "$1")"
    fi
}

supervised_up() {
    local name="$1" port st t0
    port="$(component_port "$name")"
    if [ "$name" = chromedriver ] && [ ! -x "$CHROMEDRIVER" ]; then
        note "$(lbl chromedriver)not installed: skipped (run scripts/install-deps.sh)"
        return 0
    fi
    if [ "$name" != chromedriver ] && [ ! -x "$BIN/byebuy-$name" ]; then
        note "$(lbl "$name")not built ($(rel "$BIN/byebuy-$name") missing): skipped"
        return 0
    fi
    st="$(sv_state "$name")"
    if [ "$st" = RUNNING ]; then
        note "$(lbl "$name")already running (pid $(sv_pid "$name"), port $port)"
        return 0
    fi
    # A detached one from an older stack.sh goes first: supervisord takes over.
    if pidfile_alive "$PIDS/$name.pid"; then stop_pidfile "$PIDS/$name.pid" "$name" 10 || true; fi
    require_free_port "$port" "$name" "${PREFIX}${name^^}_PORT"
    t0="$(now_s)"
    note "$(lbl "$name")starting on 127.0.0.1:$port$(browser_side "$name" && [ -n "$BROWSER_AS" ] && printf ' as %s' "$BROWSER_AS")"
    sctl start "byebuy:$name" >/dev/null 2>&1 || true # FATAL is seen below, with the log
    sv_wait_ready "$name" "$(health_url "$name")"
    note "$(lbl "$name")ready ($(elapsed "$t0") s, pid $(sv_pid "$name"))"
}

# make restart SERVICE=name
cmd_restart() {
    local t="$1" t0
    t0="$(now_s)"
    case "$t" in
    pg) pg_down; pg_up ;;
    kafka) component_down kafka; kafka_up ;;
    *)
        supervised "$t" || die "restart: unknown service '$t' (dev: ${SUPERVISED[*]} kafka pg; test: kafka pg)"
        supervisord_alive || die "restart: the $PROFILE stack is not up (make up)"
        [ -n "$(sv_state "$t")" ] || die "restart: $t is not part of the running stack (not built?)"
        note "$(lbl "$t")restarting (pid $(sv_pid "$t"))"
        sctl restart "byebuy:$t" >/dev/null 2>&1 || true
        sv_wait_ready "$t" "$(health_url "$t")"
        note "$(lbl "$t")ready ($(elapsed "$t0") s, pid $(sv_pid "$t"))"
        ;;
    esac
}

component_up() {
    case "$1" in
    pg) pg_up ;;
    kafka) kafka_up ;;
    *) supervised_up "$1" ;;
    esac
}

component_down() {
    case "$1" in
    pg) pg_down ;;
    *)
        if pidfile_alive "$PIDS/$1.pid"; then
            local t0
            t0="$(now_s)"
            note "$(lbl "$1")stopping (pid $(pidfile_pid "$PIDS/$1.pid"))"
            stop_pidfile "$PIDS/$1.pid" "$1" 10 || die "could not stop $1"
            note "$(lbl "$1")stopped ($(elapsed "$t0") s)"
        fi
        rm -f "$PIDS/$1.pid"
        ;;
    esac
}

component_port() {
    case "$1" in
    pg) echo "$PG_PORT" ;;
    kafka) echo "$KAFKA_PORT" ;;
    chromedriver) echo "$CHROMEDRIVER_PORT" ;;
    sandbox) echo "$SANDBOX_PORT" ;;
    api) echo "$API_PORT" ;;
    poster) echo "$POSTER_PORT" ;;
    monitor) echo "$MONITOR_PORT" ;;
    responder) echo "$RESPONDER_PORT" ;;
    esac
}

component_log() {
    case "$1" in
    pg) rel "$LOGS/postgres.log" ;;
    chromedriver) rel "$LOGS/chromedriver.log" ;;
    *) rel "$LOGS/$1.log" ;;
    esac
}

# ---- commands ------------------------------------------------------------------------------------

cmd_up() {
    local c t0
    t0="$(now_s)"
    say "stack ($PROFILE): starting in $(rel "$RUN")"
    # PostgreSQL and Kafka do not depend on each other: bring them up side by side (initdb
    # waits on the disk while the JVM formats and starts). The rest needs both, in order.
    local pg_job
    secrets_init
    pg_up &
    pg_job=$!
    kafka_up
    wait "$pg_job" || die "PostgreSQL did not come up (see above)"
    if [ "$PROFILE" = dev ]; then supervisor_up; fi
    if [ "$PROFILE" = dev ]; then stack_token_ensure; fi
    for c in "${COMPONENTS[@]}"; do
        case "$c" in pg | kafka) ;; *) component_up "$c" ;; esac
    done
    if [ "$PROFILE" = dev ] && demo_mode; then demo_inbox_up; fi
    say "stack ($PROFILE): up in $(elapsed "$t0") s"
    if [ "$PROFILE" = dev ]; then
        if svc_alive api; then
            say "Bye-Buy is up: http://127.0.0.1:$API_PORT/ (the dashboard; the API's own page: /docs)"
        else
            say "Bye-Buy stack is up without the api (build/bin/byebuy-api not built)"
        fi
        setup_link_show
        say "  logs: $(rel "$LOGS")/<service>.log   status: make status   stop: make down"
        say "  a crashed service is restarted by supervisord; by hand: make restart SERVICE=api"
        say "  a token for scripts (Authorization: Bearer): make token"
        if demo_mode; then
            say "  demo mode: listings posted to facebook_marketplace (or sandbox) land in the"
            say "  sandbox marketplace at http://127.0.0.1:$SANDBOX_PORT, whose inbox the monitor"
            say "  answers: write as a buyer with POST /_sandbox/items/<id>/messages (README, Try it)"
            say "  or the item page's Message seller box. To use a real account, log in with"
            say "  build/bin/byebuy-login and set BB_REAL_MARKETPLACES=1 in .env"
        fi
    else
        say "  PostgreSQL postgresql://postgres@127.0.0.1:$PG_PORT/postgres, Kafka 127.0.0.1:$KAFKA_PORT, logs $(rel "$LOGS")/"
    fi
}

cmd_down() {
    local i
    [ -d "$RUN" ] || { say "stack ($PROFILE): nothing to stop"; return 0; }
    say "stack ($PROFILE): stopping"
    # supervisord stops its programs (SIGTERM to each process group, SIGKILL after
    # stopwaitsecs) before it exits.
    if supervisord_alive; then
        local t0
        t0="$(now_s)"
        note "$(lbl supervisord)stopping the services (pid $(pidfile_pid "$PIDS/supervisord.pid"))"
        stop_pidfile "$PIDS/supervisord.pid" supervisord 60 || die "could not stop supervisord"
        note "$(lbl supervisord)stopped ($(elapsed "$t0") s)"
    fi
    for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do component_down "${COMPONENTS[$i]}"; done
    say "stack ($PROFILE): down"
}

cmd_status() {
    local c state pid line svstat=""
    # one supervisorctl call for all (each one starts a Python interpreter)
    if [ "$PROFILE" = dev ] && supervisord_alive; then svstat="$({ sctl status || true; } 2>/dev/null)"; fi
    printf '%-13s %-9s %-8s %-6s %s\n' COMPONENT STATE PID PORT LOG
    for c in "${COMPONENTS[@]}"; do
        state=stopped pid=-
        if [ "$c" = pg ]; then
            if pg_running; then state=running pid="$(pg_pid)"; fi
        elif supervised "$c" && line="$(grep "^byebuy:$c " <<<"$svstat")"; then
            state="$(awk '{ print tolower($2) }' <<<"$line")"
            [ "$state" != running ] || pid="$(sed -n 's/.* pid \([0-9]*\),.*/\1/p' <<<"$line")"
        elif pidfile_alive "$PIDS/$c.pid"; then
            state=running pid="$(pidfile_pid "$PIDS/$c.pid")"
        elif [ "$c" = chromedriver ] && [ ! -x "$CHROMEDRIVER" ]; then
            state=missing
        elif [ "$c" != kafka ] && [ ! -x "$BIN/byebuy-$c" ] && [ "$c" != chromedriver ]; then
            state="not built"
        fi
        printf '%-13s %-9s %-8s %-6s %s\n' "$c" "$state" "$pid" "$(component_port "$c")" "$(component_log "$c")"
    done
}

cmd_clean() {
    local home
    cmd_down
    home="$(pg_home)"
    [ "$home" = "$RUN/pg" ] || rm -rf "$home"
    rm -rf "$RUN"
    say "stack ($PROFILE): data removed"
}

mkdir -p "$RUN"
# One stack command per profile at a time.
exec 9>"$RUN/.lock"
if ! flock -n 9; then
    say "stack ($PROFILE): waiting for another scripts/stack.sh working on $(rel "$RUN")"
    flock -w 120 9 || die "another scripts/stack.sh holds $(rel "$RUN/.lock") (waited 120 s)"
fi
case "$CMD" in
up)
    mkdir -p "$LOGS" "$PIDS"
    [ "$PROFILE" != dev ] || mkdir -p "$RUN/uploads" "$RUN/profiles" "$RUN/sandbox"
    cmd_up
    ;;
down) cmd_down ;;
restart)
    mkdir -p "$LOGS" "$PIDS"
    secrets_init
    cmd_restart "$TARGET"
    ;;
status) cmd_status ;;
env)
    [ "$PROFILE" = dev ] || die "env: only the dev profile starts services"
    service_env
    for kv in "${SVC_ENV[@]}"; do
        case "$kv" in DATABASE_URL=* | KAFKA_SASL_PASSWORD=*) kv="${kv%%=*}=<hidden>" ;; esac
        printf '%s\n' "$kv"
    done
    ;;
clean) cmd_clean ;;
token)
    # `make token`: one new api token on stdout, nothing else there
    [ "$PROFILE" = dev ] || die "token: only the dev profile has an api"
    pg_running || die "token: PostgreSQL of the dev stack is not running (make up)"
    service_env
    env "${SVC_ENV[@]}" "$BIN/byebuy-api" token create --name "${TOKEN_NAME:-make token}"
    ;;
*) usage ;;
esac
