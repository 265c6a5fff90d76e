# Sourced by the bench runners (bench/*/run.sh) from the repository root: uses the PostgreSQL
# and Kafka named by BENCH_PG_URL + BENCH_KAFKA if both are set, else the test-profile stack
# (scripts/stack.sh; ports BB_TEST_PG_PORT / BB_TEST_KAFKA_PORT, default 55432 / 29092),
# started here and stopped on exit when it was not running before.
bench_stack_started=0
if [ -z "${BENCH_PG_URL:-}" ] || [ -z "${BENCH_KAFKA:-}" ]; then
    bench_pg_port="${BB_TEST_PG_PORT:-55432}" bench_kafka_port="${BB_TEST_KAFKA_PORT:-29092}"
    if ! pg_isready -q -h 127.0.0.1 -p "$bench_pg_port" -t 1; then
        scripts/stack.sh up --profile test
        bench_stack_started=1
    fi
    export BENCH_PG_URL="postgresql://postgres@127.0.0.1:$bench_pg_port/postgres"
    export BENCH_KAFKA="127.0.0.1:$bench_kafka_port"
fi
bench_stack_stop() { [ "$bench_stack_started" = 0 ] || scripts/stack.sh down --profile test; }
trap bench_stack_stop EXIT
