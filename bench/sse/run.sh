#!/usr/bin/env bash
# Runs the event-stream benchmark (bench/README.md, section "Live updates (SSE)") against a
# PostgreSQL and a Kafka: those named by BENCH_PG_URL + BENCH_KAFKA if set, else the
# test-profile stack (bench/stack.sh starts it and stops it afterwards when it was not
# running). The api comes from build/bin (`make bins` first).
#
#   bench/sse/run.sh [--clients 200] [--threads 8] [--requests 300]
set -euo pipefail
BB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$BB_ROOT"
[ -x build/bin/byebuy-api ] || { echo "build/bin/byebuy-api missing: run make bins" >&2; exit 1; }
export BB_KAFKA_LIBS="${BB_KAFKA_LIBS:-${BB_KAFKA_HOME:-$BB_ROOT/.cache/kafka-4.1.1}/libs}"
. bench/stack.sh
python3 bench/sse/idle_streams.py "$@"
