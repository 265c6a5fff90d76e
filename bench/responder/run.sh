#!/bin/sh
# Responder benchmark: drafts/s with a 200 ms fake model (one and two instances) and the
# per-draft overhead with a 0 ms model (burst and one-at-a-time). Needs a Kafka on
# 127.0.0.1 (BENCH_KAFKA, default the dev stack's 127.0.0.1:49092) and `make bins`.
# Prints one JSON line per run; logs go to .run/bench/.
set -u
cd "$(dirname "$0")/../.."
KAFKA="${BENCH_KAFKA:-127.0.0.1:49092}"
B="python3 bench/responder/bench.py --bootstrap $KAFKA"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
$B --instances 1 --latency-ms 200 --requests 1200
$B --instances 2 --latency-ms 200 --requests 2400
$B --instances 1 --latency-ms 0 --requests 1000
$B --trickle --requests 100
