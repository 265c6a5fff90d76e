#!/usr/bin/env bash
# The api's listing page, uncached, on the issue's data: 50 listings of 3 photos, every
# request with its own cursor (so the answer cache never hits), wrk -t2 -c64, five runs of
# 10 s; prints each run's req/s with the load average after it and the best. Uses the
# stack that bench/posting/run.sh finds or starts (BENCH_PG_URL + BENCH_KAFKA, else the test
# profile on BB_TEST_PG_PORT / BB_TEST_KAFKA_PORT). Extra options go to listings_throughput.py.
#
#   bench/api/run.sh [--runs 5] [--duration 10] [--connections 64]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec bench/posting/run.sh listings --listings 50 --photos 3 --uncached --runs 5 --duration 10 "$@"
