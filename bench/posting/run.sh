#!/usr/bin/env bash
# Runs the posting benchmarks (bench/README.md, section "Posting") against a PostgreSQL and a
# Kafka: those named by BENCH_PG_URL + BENCH_KAFKA if set, else the test-profile stack
# (scripts/stack.sh, PostgreSQL 55432 + Kafka 29092), started here and stopped afterwards
# when it was not running before. The services come from build/bin (`make bins` first).
#
#   bench/posting/run.sh dispatch [--posts 200] [--interval-ms 25]
#   bench/posting/run.sh listings [--listings 100] [--duration 15] [--connections 64]
#   bench/posting/run.sh all
set -euo pipefail
BB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$BB_ROOT"

what="${1:-}"
[ $# -gt 0 ] && shift
case "$what" in
dispatch | listings | all) ;;
*) echo "usage: bench/posting/run.sh dispatch|listings|all [options]" >&2; exit 2 ;;
esac

for b in byebuy-api byebuy-poster; do
    [ -x "build/bin/$b" ] || { echo "build/bin/$b missing: run make bins" >&2; exit 1; }
done

export BB_KAFKA_LIBS="${BB_KAFKA_LIBS:-${BB_KAFKA_HOME:-$BB_ROOT/.cache/kafka-4.1.1}/libs}"
. bench/stack.sh

rc=0
case "$what" in
dispatch) python3 bench/posting/dispatch_latency.py "$@" || rc=$? ;;
listings) python3 bench/posting/listings_throughput.py "$@" || rc=$? ;;
all)
    python3 bench/posting/dispatch_latency.py || rc=$?
    python3 bench/posting/listings_throughput.py || rc=$?
    ;;
esac
exit "$rc"
