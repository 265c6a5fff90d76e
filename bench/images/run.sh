#!/usr/bin/env bash
# Runs the image-create benchmark (bench/README.md, section "Images") against a PostgreSQL
# and a Kafka: those named by BENCH_PG_URL + BENCH_KAFKA if set, else the test-profile stack
# (scripts/stack.sh; ports BB_TEST_PG_PORT / BB_TEST_KAFKA_PORT, default 55432 / 29092),
# started here and stopped afterwards when it was not running before. The api comes from
# build/bin (`make bins` first).
#
#   bench/images/run.sh [--clients 32] [--duration 20] [--runs 1] [--rss-seconds 60]
#                       [--api-env KEY=VALUE ...]
set -euo pipefail
BB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$BB_ROOT"

[ -x build/bin/byebuy-api ] || { echo "build/bin/byebuy-api missing: run make bins" >&2; exit 1; }
for tool in wrk vips; do
    command -v "$tool" >/dev/null || { echo "$tool missing: run scripts/install-deps.sh" >&2; exit 1; }
done

. bench/stack.sh

python3 bench/images/create_burst.py "$@"
