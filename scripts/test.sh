#!/usr/bin/env bash
# What `make test` runs: builds, starts fresh test stacks (PostgreSQL 55432 + Kafka 29092
# under .run/test, and one more per extra pytest worker), runs the cmocka unit tests and the
# pytest integration tests against them, always stops the stacks, and ends with exactly one
# line "N passed, N failed[, N skipped]" (unit + integration). Exit status 1 when anything
# failed or could not run.
#
# The integration tests spend most of their time waiting (on browsers, timeouts, consumer
# groups): they run on BB_TEST_WORKERS pytest-xdist workers (default 3), each with a stack of
# its own, because the services' topics have fixed names and two tests on one broker would read
# each other's events. Worker N>0's stack lives in .run/test-wN on the ports above + 100*N.
#
# Env: BB_TEST_PYTEST_ARGS adds pytest arguments (e.g. "-k outbox -x");
#      BB_TEST_WORKERS: pytest workers, each with its own stack (default 3; 1 runs serially);
#      BB_TEST_PYTEST_TIMEOUT caps the whole pytest run (seconds, default 4800: a guard
#      against a hung run, not a time target);
#      BB_TEST_TIMEOUT_PER_TEST caps one test (seconds, default 300; pytest-timeout);
#      BB_TEST_KEEP=1 leaves the test stack running afterwards (for debugging);
#      BB_TEST_FUZZ_SECONDS: how long each fuzz target runs (default 10; libFuzzer seed
#      BB_FUZZ_SEED, default 20261207).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BB_ROOT"

RUN="$BB_ROOT/.run/test"
PG_PORT="${BB_TEST_PG_PORT:-55432}"
KAFKA_PORT="${BB_TEST_KAFKA_PORT:-29092}"
KAFKA_CONTROLLER_PORT="${BB_TEST_KAFKA_CONTROLLER_PORT:-29093}"
WORKERS="${BB_TEST_WORKERS:-3}"
[[ "$WORKERS" =~ ^[1-9][0-9]?$ ]] || die "BB_TEST_WORKERS: not a number of workers (1-99): '$WORKERS'"

# scripts/stack.sh CMD for worker i's test stack: .run/test on the ports above for the first,
# .run/test-w<i> on those ports + 100*i for the others.
worker_stack() {
    local i="$1"
    shift
    if [ "$i" -eq 0 ]; then
        scripts/stack.sh "$@" --profile test
    else
        BB_RUN_DIR="$BB_ROOT/.run/test-w$i" BB_TEST_PG_PORT=$((PG_PORT + 100 * i)) \
            BB_TEST_KAFKA_PORT=$((KAFKA_PORT + 100 * i)) \
            BB_TEST_KAFKA_CONTROLLER_PORT=$((KAFKA_CONTROLLER_PORT + 100 * i)) \
            scripts/stack.sh "$@" --profile test
    fi
}

PASSED=0 FAILED=0 SKIPPED=0
STACK_STARTED=0
PHASES=()
T_ALL="$(now_s)"

phase_done() { PHASES+=("$1 $(elapsed "$2")s"); }

# Runs on every exit, error or not: stop what we started, then print the one summary line.
finish() {
    local rc=$?
    set +e
    if [ "$STACK_STARTED" = 1 ] && [ "${BB_TEST_KEEP:-0}" != 1 ]; then
        local t0
        t0="$(now_s)"
        for ((i = 0; i < WORKERS; i++)); do worker_stack "$i" down; done
        phase_done stack-down "$t0"
    fi
    # Something broke before or outside the test runners (build, stack): count it as a failure
    # so that the summary can never read "0 failed" on a broken run.
    if [ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ]; then
        FAILED=1
        say "test: run aborted (exit status $rc) before all tests ran; counted as 1 failure"
    fi
    phase_done total "$T_ALL"
    say "test: timings: ${PHASES[*]}"
    local line="$PASSED passed, $FAILED failed"
    [ "$SKIPPED" -eq 0 ] || line="$line, $SKIPPED skipped"
    printf '%s\n' "$line"
    if [ "$FAILED" -ne 0 ]; then exit 1; fi
    exit 0
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- build ---------------------------------------------------------------------------------
t0="$(now_s)"
say "test: building (make -j2 bins unit-tests)"
# -k: one target that does not build must not hide the results of all the others; the build
# failure itself is counted as a failed test below, so the run still fails.
build_rc=0
make --no-print-directory -k -j2 bins unit-tests || build_rc=$?
if [ "$build_rc" -ne 0 ]; then
    say "test: BUILD FAILED (make exit status $build_rc): counted as 1 failure; testing what was built"
    FAILED=$((FAILED + 1))
fi
phase_done build "$t0"

# ---- fresh test stack ----------------------------------------------------------------------
t0="$(now_s)"
say "test: starting $WORKERS fresh test stack(s) in .run/test*"
# Tests must not depend on old state: stop whatever a previous run left and wipe its data.
for ((i = 0; i < WORKERS; i++)); do worker_stack "$i" clean; done
STACK_STARTED=1
# All at once: each waits mostly for its broker's JVM.
up_pids=()
for ((i = 0; i < WORKERS; i++)); do
    worker_stack "$i" up &
    up_pids+=("$!")
done
for ((i = 0; i < WORKERS; i++)); do
    wait "${up_pids[$i]}" || die "test: the test stack of worker $i did not start (see above)"
done
phase_done stack-up "$t0"

# The first stack, for a serial run (BB_TEST_WORKERS=1) and for tests run by hand; under
# xdist each worker takes its own from BB_TEST_STACKS (tests/integration/conftest.py).
export BB_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
export BB_TEST_KAFKA="127.0.0.1:$KAFKA_PORT"
BB_TEST_STACKS=""
for ((i = 0; i < WORKERS; i++)); do
    run_dir="$BB_ROOT/.run/test"
    [ "$i" -eq 0 ] || run_dir="$BB_ROOT/.run/test-w$i"
    BB_TEST_STACKS+="postgresql://postgres@127.0.0.1:$((PG_PORT + 100 * i))/postgres"
    BB_TEST_STACKS+=" 127.0.0.1:$((KAFKA_PORT + 100 * i)) $run_dir;"
done
export BB_TEST_STACKS
export BB_ROOT
export BB_BIN_DIR="$BB_ROOT/build/bin"
export BB_KAFKA_LIBS="${BB_KAFKA_HOME:-$BB_ROOT/.cache/kafka-4.1.1}/libs"

# ---- unit tests ----------------------------------------------------------------------------
t0="$(now_s)"
say "test: unit tests"
summary="$RUN/unit-summary"
unit_rc=0
# The Makefile's own list of unit-test binaries (what `make unit` runs), so that a test whose
# binary did not build is reported as failed rather than silently left out.
read -r -a unit_bins < <(make --no-print-directory -s -f Makefile \
    -f <(printf 'bb-print-tests:\n\t@echo $(TESTS)\n') bb-print-tests)
BB_SUMMARY_FILE="$summary" scripts/run-unit.sh "${unit_bins[@]}" || unit_rc=$?
if [ -f "$summary" ]; then
    read -r p f s <"$summary"
    PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + s))
elif [ "$unit_rc" -ne 0 ]; then
    say "test: unit tests did not run (scripts/run-unit.sh exit status $unit_rc)"
    FAILED=$((FAILED + 1))
fi
phase_done unit "$t0"

# ---- fuzz targets, briefly -------------------------------------------------------------
# Each libFuzzer target (fuzz/*.c; `make fuzz` runs them for 10 minutes) for a few seconds from
# its committed seeds: one test each. A target that does not build fails them all.
t0="$(now_s)"
fuzz_targets=()
for f in fuzz/*.c; do fuzz_targets+=("$(basename "$f" .c)"); done
say "test: fuzz targets (${BB_TEST_FUZZ_SECONDS:-10} s each: ${fuzz_targets[*]})"
fuzz_summary="$RUN/fuzz-summary"
rm -f "$fuzz_summary"
if make --no-print-directory -j2 fuzz-build >"$RUN/fuzz-build.log" 2>&1; then
    # A fixed seed: the same inputs in the same order on every run, so that make test fails on a
    # change that brings a crash, not on the luck of the draw (make fuzz explores at random).
    BB_FUZZ_SEED="${BB_FUZZ_SEED:-20261207}" BB_SUMMARY_FILE="$fuzz_summary" \
        scripts/fuzz.sh "${BB_TEST_FUZZ_SECONDS:-10}" \
        "${fuzz_targets[@]}" || true
    if [ -f "$fuzz_summary" ]; then
        read -r fzp fzf <"$fuzz_summary"
        PASSED=$((PASSED + fzp)) FAILED=$((FAILED + fzf))
    else
        say "test: fuzz targets did not run: counted as ${#fuzz_targets[@]} failures"
        FAILED=$((FAILED + ${#fuzz_targets[@]}))
    fi
else
    say "test: fuzz build FAILED (see ${RUN#"$BB_ROOT"/}/fuzz-build.log): counted as ${#fuzz_targets[@]} failures"
    FAILED=$((FAILED + ${#fuzz_targets[@]}))
fi
phase_done fuzz "$t0"

# ---- frontend: type check + build, unit tests --------------------------------------------
# `npm run build` generates the API types from openapi.json and type-checks: one test, so that a
# drift between the api and the SPA fails `make test`. vitest's junit report adds its own tests.
# The browser tests (Playwright) run in pytest below (tests/integration/test_spa_browser.py).
t0="$(now_s)"
say "test: frontend (npm run build, vitest)"
if scripts/build-frontend.sh --always; then
    PASSED=$((PASSED + 1))
else
    say "test: frontend build FAILED (type errors or OpenAPI drift): counted as 1 failure"
    FAILED=$((FAILED + 1))
fi
vitest_xml="$RUN/vitest-junit.xml"
rm -f "$vitest_xml"
(cd frontend && npx vitest run --reporter=default --reporter=junit --outputFile.junit="$vitest_xml") ||
    say "test: vitest reported failures"
if [ -f "$vitest_xml" ]; then
    read -r vp vf < <(python3 - "$vitest_xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
p = f = 0
for c in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    if c.find("failure") is not None or c.find("error") is not None:
        f += 1
    elif c.find("skipped") is None:
        p += 1
print(p, f)
EOF
    )
    PASSED=$((PASSED + ${vp:-0})) FAILED=$((FAILED + ${vf:-0}))
    say "test: vitest: ${vp:-0} passed, ${vf:-0} failed"
else
    say "test: vitest did not run: counted as 1 failure"
    FAILED=$((FAILED + 1))
fi
phase_done frontend "$t0"

# ---- integration tests ---------------------------------------------------------------------
t0="$(now_s)"
junit="$RUN/junit.xml"
rm -f "$junit"
say "test: integration tests (pytest tests/integration, $WORKERS worker(s))"
py_rc=0
# Each module runs whole on one worker, in order (module-scoped stacks are made once, and a
# test may build on the one before, as in a serial run); the modules with the most tests go
# first.
xdist_args=()
[ "$WORKERS" -eq 1 ] || xdist_args=(-n "$WORKERS" --dist loadfile)
# BB_TEST_PYTEST_ARGS is split as a shell would, without evaluating it, so that
# "-k 'poster or posting'" reaches pytest as two arguments.
pytest_args=()
if [ -n "${BB_TEST_PYTEST_ARGS:-}" ]; then
    python3 -c 'import shlex, sys; shlex.split(sys.argv[1])' "$BB_TEST_PYTEST_ARGS" 2>/dev/null ||
        die "BB_TEST_PYTEST_ARGS: unbalanced quotes: $BB_TEST_PYTEST_ARGS"
    mapfile -d '' -t pytest_args < <(python3 -c \
        'import shlex, sys; sys.stdout.write("".join(a + "\0" for a in shlex.split(sys.argv[1])))' \
        "$BB_TEST_PYTEST_ARGS")
fi
timeout --kill-after=30 "${BB_TEST_PYTEST_TIMEOUT:-4800}" \
    python3 -m pytest -q -p no:cacheprovider --durations=30 --junitxml="$junit" -o junit_family=xunit2 \
    -o timeout="${BB_TEST_TIMEOUT_PER_TEST:-300}" \
    "${xdist_args[@]}" "${pytest_args[@]}" tests/integration </dev/null || py_rc=$?
case "$py_rc" in
0 | 1 | 5) ;; # all passed / some failed / no tests collected
124 | 137) say "test: pytest timed out after ${BB_TEST_PYTEST_TIMEOUT:-4800} s" ;;
*) say "test: pytest ended with exit status $py_rc (interrupted, internal or usage error)" ;;
esac
if [ -f "$junit" ]; then
    read -r p f s < <(python3 - "$junit" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = failures = errors = skipped = 0
for s in suites:
    tests += int(s.get("tests", 0))
    failures += int(s.get("failures", 0))
    errors += int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0))
print(tests - failures - errors - skipped, failures + errors, skipped)
EOF
    )
fi
[[ "${p:-}" =~ ^[0-9]+$ && "${f:-}" =~ ^[0-9]+$ && "${s:-}" =~ ^[0-9]+$ ]] || p=0 f=0 s=0
# pytest failed in a way the report does not show (collection crash, timeout): one failure.
if [ "$py_rc" -ne 0 ] && [ "$py_rc" -ne 5 ] && [ "$f" -eq 0 ]; then f=1; fi
PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + s))
say "test: integration: $p passed, $f failed, $s skipped"
phase_done integration "$t0"
