#!/usr/bin/env bash
# Runs the schedule benchmark (bench/README.md, section "Schedule") against a PostgreSQL and a
# Kafka: BENCH_PG_URL + BENCH_KAFKA if set, else the test-profile stack (bench/stack.sh).
#
#   bench/schedule/run.sh [--listings 1000] [--clients 32]
set -euo pipefail
BB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$BB_ROOT"
[ -x build/bin/byebuy-api ] || { echo "build/bin/byebuy-api missing: run make bins" >&2; exit 1; }
. bench/stack.sh
python3 bench/schedule/schedule_burst.py "$@"
