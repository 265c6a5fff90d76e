#!/usr/bin/env bash
# make compose-check: docker-compose.yml run for real, with podman and Debian's docker-compose
# 1.29 (no Docker engine here). Phases, each timed:
#   images   the Debian base, the stand-ins of the outside images and byebuy:latest (missing
#            ones only; scripts/compose/images.sh)
#   up       podman's Docker API socket, `docker-compose up -d`, every healthcheck healthy
#   tryit    README's "Try it" through the published api port: a listing with a photo, posted
#            to the sandbox (demo mode), posted
#   scale    `up -d --scale poster=3`, then a burst of BB_COMPOSE_BURST posts over several
#            sandbox accounts, posted by at least two of the posters
#   message  a buyer writes to the Try-it item in the sandbox and the seller's reply shows there
#   down     `docker-compose down -v`
# Every process it starts (podman's API service, the health ticker) is stopped by PID, on
# failure too, and the project is taken down. Settings (environment):
#   BB_COMPOSE_PROJECT (bbcheck), BB_COMPOSE_API_PORT (38080), BB_COMPOSE_SANDBOX_PORT (38090):
#   two runs with different values do not clash; BB_COMPOSE_BURST (12), BB_COMPOSE_ACCOUNTS (4);
#   BB_COMPOSE_KEEP=1 leaves the project up (and the socket) for a look, printing how to stop it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BB_ROOT"

PROJECT="${BB_COMPOSE_PROJECT:-bbcheck}"
API_PORT="${BB_COMPOSE_API_PORT:-38080}"
SANDBOX_PORT="${BB_COMPOSE_SANDBOX_PORT:-38090}"
BURST="${BB_COMPOSE_BURST:-12}"
ACCOUNTS="${BB_COMPOSE_ACCOUNTS:-4}"
[[ "$PROJECT" =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "BB_COMPOSE_PROJECT: '$PROJECT' is not a compose project name (a-z 0-9 _ -)"
for v in API_PORT SANDBOX_PORT BURST ACCOUNTS; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || die "BB_COMPOSE_$v: '${!v}' is not a whole number"
done
command -v docker-compose >/dev/null || die "docker-compose not installed (scripts/install-deps.sh --with compose)"
for p in "$API_PORT" "$SANDBOX_PORT"; do
    ! port_open "$p" || die "port $p is in use: set BB_COMPOSE_API_PORT / BB_COMPOSE_SANDBOX_PORT"
done

RUN="$BB_COMPOSE_DIR/run-$PROJECT"
mkdir -p "$RUN"
SOCK="$RUN/podman.sock"
export DOCKER_HOST="unix://$SOCK" COMPOSE_PROJECT_NAME="$PROJECT"
export BYEBUY_API_PORT="$API_PORT" BYEBUY_SANDBOX_PORT="$SANDBOX_PORT"
export BB_COMPOSE_STATE="$RUN/flow.json"
compose() { docker-compose --ansi never -f docker-compose.yml "$@"; }

declare -a TIMES=()
PHASE="" T_PHASE="" T_ALL="$(now_s)" UP_STARTED=0 OK=0
phase() {
    [ -z "$PHASE" ] || TIMES+=("$(printf '%-8s %7s s' "$PHASE" "$(elapsed "$T_PHASE")")")
    PHASE="$1" T_PHASE="$(now_s)"
    [ "$1" = end ] || say "== compose-check: $1"
}

cleanup() {
    local rc=$?
    set +e
    if [ "$OK" != 1 ] && [ "$UP_STARTED" = 1 ]; then
        say "== compose-check failed in phase '$PHASE': container states and log tails"
        compose ps >&2
        # The whole logs to the file (a failure's cause is rarely in the last lines of a
        # service that answered polls meanwhile); their tails on the terminal.
        compose logs --no-color >"$RUN/compose-logs.txt" 2>&1
        compose logs --no-color --tail=40 2>&1 | tail -n 200 >&2
        say "(all of it: ${RUN#"$BB_ROOT"/}/compose-logs.txt)"
    fi
    if [ "$UP_STARTED" = 1 ] && [ "${BB_COMPOSE_KEEP:-0}" != 1 -o "$OK" != 1 ]; then
        compose down -v --remove-orphans -t 10 >"$RUN/down.log" 2>&1 ||
            { say "docker-compose down failed:"; tail -n 20 "$RUN/down.log" >&2; }
    fi
    if [ "${BB_COMPOSE_KEEP:-0}" = 1 ] && [ "$OK" = 1 ]; then
        say "kept: DOCKER_HOST=$DOCKER_HOST COMPOSE_PROJECT_NAME=$PROJECT docker-compose ps;"
        say "  stop with: kill $(pidfile_pid "$RUN/ticker.pid" 2>/dev/null) $(pidfile_pid "$RUN/service.pid" 2>/dev/null) after docker-compose down -v"
    else
        stop_pidfile "$RUN/ticker.pid" "health ticker" 5
        stop_pidfile "$RUN/service.pid" "podman system service" 10
        rm -f "$SOCK"
    fi
    [ "$PHASE" = end ] || phase end
    say "== compose-check phase times:"
    printf '  %s\n' "${TIMES[@]}" >&2
    say "  total    $(elapsed "$T_ALL") s"
    if [ "$rc" = 0 ]; then say "compose-check: passed"; else say "compose-check: FAILED (exit $rc)"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- images -------------------------------------------------------------------------------
phase images
scripts/compose/images.sh

# ---- up -----------------------------------------------------------------------------------
phase up
if pidfile_alive "$RUN/service.pid"; then
    die "a compose-check of project $PROJECT is running already (pid $(pidfile_pid "$RUN/service.pid"))"
fi
rm -f "$SOCK"
start_detached "$RUN/service.pid" "$RUN/podman-service.log" podman system service --time=0 "unix://$SOCK"
for _ in $(seq 100); do
    curl -fsS --unix-socket "$SOCK" -o /dev/null http://d/_ping 2>/dev/null && break
    pidfile_alive "$RUN/service.pid" || { tail_log "$RUN/podman-service.log"; die "podman system service exited"; }
    sleep 0.2
done
curl -fsS --unix-socket "$SOCK" -o /dev/null http://d/_ping || die "podman's API socket $SOCK does not answer"
# A project left by an interrupted run of the same name goes first.
compose down -v --remove-orphans -t 5 >/dev/null 2>&1 || true
start_detached "$RUN/ticker.pid" "$RUN/health-ticker.log" scripts/compose/health-ticker.py "$PROJECT"
UP_STARTED=1
compose up -d --no-build 2>&1 | sed 's/^/  /' >&2
[ "${PIPESTATUS[0]}" = 0 ] || die "docker-compose up failed"

# Every container with a healthcheck healthy, every one-shot container exited 0.
wait_healthy() {
    local deadline=$((SECONDS + $1)) id state health bad
    while :; do
        bad=""
        for id in $(compose ps -q); do
            read -r state health < <(podman inspect --format '{{.State.Status}} {{.State.Health.Status}}' "$id" 2>/dev/null || echo gone -)
            case "$state:$health" in
                running:healthy | running: | running:\<no\ value\>) ;;
                exited:*) [ "$(podman inspect --format '{{.State.ExitCode}}' "$id")" = 0 ] ||
                    bad+=" $(podman inspect --format '{{.Name}}' "$id")(exited $(podman inspect --format '{{.State.ExitCode}}' "$id"))" ;;
                *) bad+=" $(podman inspect --format '{{.Name}}' "$id" 2>/dev/null)($state/$health)" ;;
            esac
        done
        [ -z "$bad" ] && return 0
        [ "$SECONDS" -lt "$deadline" ] || die "not healthy after $1 s:$bad"
        sleep 1
    done
}
wait_healthy 300
note "all healthy: $(compose ps --services | tr '\n' ' ')"

# ---- tryit --------------------------------------------------------------------------------
API="http://127.0.0.1:$API_PORT" SANDBOX="http://127.0.0.1:$SANDBOX_PORT"
phase tryit
# The api runs with its login (AUTH=login): the check's calls carry a token of their own,
# made the way README tells a user to (`byebuy-api token create` in the api container).
API_TOKEN="$(podman exec "$(compose ps -q api)" byebuy-api token create --name compose-check)" ||
    die "byebuy-api token create failed in the api container"
export API_TOKEN
python3 tests/compose/flow.py tryit "$API" "$SANDBOX"

# ---- scale --------------------------------------------------------------------------------
phase scale
compose up -d --no-build --scale poster=3 2>&1 | sed 's/^/  /' >&2
[ "${PIPESTATUS[0]}" = 0 ] || die "docker-compose up --scale poster=3 failed"
[ "$(compose ps -q poster | wc -l)" = 3 ] || die "expected 3 poster containers, have: $(compose ps -q poster | wc -l)"
wait_healthy 180
python3 tests/compose/flow.py burst "$API" "$SANDBOX" "$BURST" "$ACCOUNTS"
# Which posters did the work: each one's own count of posts that succeeded (the series without
# an op label, services/poster/src/worker.c count_result; delists and updates carry op="...").
busy=0
for id in $(compose ps -q poster); do
    n="$(podman exec "$id" curl -fsS http://127.0.0.1:8081/metrics |
        awk '/^bb_poster_jobs_total\{result="succeeded"\}/ { s += $NF } END { print s + 0 }')"
    note "$(podman inspect --format '{{.Name}}' "$id"): $n posted"
    [ "$n" -gt 0 ] && busy=$((busy + 1))
done
[ "$busy" -ge 2 ] || die "the burst was posted by $busy poster(s), not shared by at least two"

# ---- message ------------------------------------------------------------------------------
phase message
python3 tests/compose/flow.py message "$API" "$SANDBOX"

# ---- down ---------------------------------------------------------------------------------
OK=1
if [ "${BB_COMPOSE_KEEP:-0}" != 1 ]; then
    phase down
    compose down -v --remove-orphans -t 10 2>&1 | sed 's/^/  /' >&2
    [ "${PIPESTATUS[0]}" = 0 ] || die "docker-compose down -v failed"
    UP_STARTED=0
    [ -z "$(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT")" ] ||
        die "containers of $PROJECT are left after down"
fi
