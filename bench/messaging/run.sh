#!/usr/bin/env bash
# Runs the messaging benchmarks (bench/README.md, section "Messaging") against a PostgreSQL
# and a Kafka: those named by BENCH_PG_URL + BENCH_KAFKA if set, else the test-profile stack
# (scripts/stack.sh on BB_TEST_PG_PORT / BB_TEST_KAFKA_PORT), started here and stopped
# afterwards when it was not running before. The services come from build/bin (`make bins`).
#
#   bench/messaging/run.sh steady [--messages 300] [--interval-ms 50] [--model rules|fake]
#   bench/messaging/run.sh burst [--conversations 200] [--responders 2] [--model rules|fake]
#   bench/messaging/run.sh all      # steady with the rules engine and the fake model, burst
set -euo pipefail
BB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$BB_ROOT"

what="${1:-}"
[ $# -gt 0 ] && shift
case "$what" in
steady | burst | all) ;;
*) echo "usage: bench/messaging/run.sh steady|burst|all [options]" >&2; exit 2 ;;
esac

for b in byebuy-api byebuy-responder; do
    [ -x "build/bin/$b" ] || { echo "build/bin/$b missing: run make bins" >&2; exit 1; }
done

export BB_KAFKA_LIBS="${BB_KAFKA_LIBS:-${BB_KAFKA_HOME:-$BB_ROOT/.cache/kafka-4.1.1}/libs}"
. bench/stack.sh

M="python3 bench/messaging/msgbench.py"
rc=0
case "$what" in
steady | burst) $M "$what" "$@" || rc=$? ;;
all)
    $M steady --model rules || rc=$?
    $M steady --model fake || rc=$?
    $M burst || rc=$?
    ;;
esac
exit "$rc"
