#!/usr/bin/env bash
# Runs the slow-client benchmark (bench/README.md, section "Slow clients") against a PostgreSQL
# and a Kafka: those named by BENCH_PG_URL + BENCH_KAFKA if set, else the test-profile stack
# (bench/stack.sh). The api comes from build/bin (`make bins` first).
#
#   bench/slow/run.sh [--clients 200] [--seconds 60] [--threads N]
set -euo pipefail
BB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$BB_ROOT"
[ -x build/bin/byebuy-api ] || { echo "build/bin/byebuy-api missing: run make bins" >&2; exit 1; }
export BB_KAFKA_LIBS="${BB_KAFKA_LIBS:-${BB_KAFKA_HOME:-$BB_ROOT/.cache/kafka-4.1.1}/libs}"
. bench/stack.sh
python3 bench/slow/slow_clients.py "$@"
