#!/usr/bin/env bash
# The api's listing page on the issue's data (bench/README.md, "The api's listing page"):
# by default 50 listings of 3 photos, every request with its own cursor, wrk -t2 -c64, five
# runs of 10 s; prints each run's req/s with the load average after it, the CPU per request
# of the api and PostgreSQL, the api's RSS, and the best. Uses the stack that bench/stack.sh
# finds or starts (BENCH_PG_URL + BENCH_KAFKA, else the test profile on BB_TEST_PG_PORT /
# BB_TEST_KAFKA_PORT). Extra options go to the script.
#
#   bench/api/run.sh [--runs 5] [--duration 10] [--connections 64] [--api-env KEY=VALUE]
#   bench/api/run.sh burst [--listings 20000] [--walkers 8]   # RSS with the listing cache full
#   bench/api/run.sh compare OLD_BIN_DIR                       # same bytes as another build
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
case "${1:-}" in
burst | compare)
    what="$1"
    shift
    . bench/stack.sh
    rc=0
    if [ "$what" = burst ]; then
        python3 bench/api/cache_burst.py "$@" || rc=$?
    else
        python3 bench/api/compare_answers.py "$@" || rc=$?
    fi
    exit "$rc"
    ;;
esac
exec bench/posting/run.sh listings --listings 50 --photos 3 --uncached --runs 5 --duration 10 "$@"
