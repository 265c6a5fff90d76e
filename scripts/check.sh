#!/usr/bin/env bash
# What `make check` runs after its -Werror build: the ASan+UBSan build of the unit tests
# (build-san/tests), run against the test profile's PostgreSQL and Kafka, which the db and
# Kafka tests need and which this script starts and always stops. Ends like run-unit.sh.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BB_ROOT"

# a fresh stack, as scripts/test.sh makes: nothing left from an earlier run
scripts/stack.sh clean --profile test
trap 'scripts/stack.sh down --profile test' EXIT
scripts/stack.sh up --profile test

export BB_TEST_PG_URL="postgresql://postgres@127.0.0.1:${BB_TEST_PG_PORT:-55432}/postgres"
export BB_TEST_KAFKA="127.0.0.1:${BB_TEST_KAFKA_PORT:-29092}"
scripts/run-unit.sh "$@"
