#!/usr/bin/env bash
# Runs cmocka test binaries one by one and sums their results from cmocka's summary lines
# ("[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" / "[  SKIPPED ] N test(s)").
# A binary that crashes, times out or exits non-zero without reporting a failure counts as one
# failed test. Prints a binary's whole output only when it failed, then
# "unit: N passed, N failed[, N skipped]". Writes "PASSED FAILED SKIPPED" to $BB_SUMMARY_FILE
# when set. Exit status 1 when anything failed.
#
#   scripts/run-unit.sh build/tests/common_test_config build/tests/...
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TIMEOUT="${BB_UNIT_TIMEOUT:-300}"
# cmocka prints its summary to stdout only in its default format.
export CMOCKA_MESSAGE_OUTPUT=stdout
unset CMOCKA_XML_FILE

total_pass=0 total_fail=0 total_skip=0 binaries=0
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

for bin in "$@"; do
    binaries=$((binaries + 1))
    name="$(basename "$bin")"
    if [ ! -x "$bin" ]; then
        say "FAIL $name: not built ($bin missing)"
        total_fail=$((total_fail + 1))
        continue
    fi
    t0="$(now_s)"
    timeout --kill-after=10 "$TIMEOUT" "$bin" >"$out" 2>&1 </dev/null
    rc=$?
    # A binary may run several groups: add up every summary line.
    read -r pass fail skip < <(awk '
        /^\[  PASSED  \] [0-9]+ test/ { p += $4 }
        /^\[  FAILED  \] [0-9]+ test/ { f += $4 }
        /^\[  SKIPPED \] [0-9]+ test/ { s += $4 }
        END { printf "%d %d %d\n", p, f, s }' "$out")
    why=""
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        why="timed out after ${TIMEOUT}s"
    elif [ "$rc" -gt 128 ]; then
        why="killed by signal $((rc - 128))"
    elif [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
        why="exit status $rc without a cmocka failure"
    elif [ "$rc" -eq 0 ] && [ "$pass" -eq 0 ] && [ "$fail" -eq 0 ] && [ "$skip" -eq 0 ]; then
        why="printed no cmocka summary"
    fi
    if [ -n "$why" ] && [ "$fail" -eq 0 ]; then fail=1; fi
    total_pass=$((total_pass + pass))
    total_fail=$((total_fail + fail))
    total_skip=$((total_skip + skip))
    if [ "$fail" -gt 0 ]; then
        cat "$out"
        say "FAIL $name: $pass passed, $fail failed${why:+ ($why)} in $(elapsed "$t0") s"
    else
        say "ok   $name: $pass passed${skip:+$([ "$skip" -gt 0 ] && printf ', %s skipped' "$skip")} in $(elapsed "$t0") s"
    fi
done

summary="$total_pass passed, $total_fail failed"
[ "$total_skip" -eq 0 ] || summary="$summary, $total_skip skipped"
[ -z "${BB_SUMMARY_FILE:-}" ] || printf '%s %s %s\n' "$total_pass" "$total_fail" "$total_skip" >"$BB_SUMMARY_FILE"
say "unit: $binaries test binaries run"
printf 'unit: %s\n' "$summary"
[ "$total_fail" -eq 0 ]
