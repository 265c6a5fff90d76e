#!/usr/bin/env bash
# Runs libFuzzer targets built by `make fuzz-build` (build-fuzz/fuzz/<target>), each for the
# given seconds, starting from its committed seeds (fuzz/corpus/<target>/, read only) plus a
# working corpus in build-fuzz/corpus/<target>/ (new inputs go there). A crash, leak or
# sanitizer report fails the target; its input is kept in build-fuzz/artifacts/<target>/.
# Prints one line per target ("fuzz: <target>: ok, <runs> runs, <n> exec/s, ...") and, when
# BB_SUMMARY_FILE is set, writes "<passed> <failed>" there. Exit 1 when any target failed.
#
#   scripts/fuzz.sh SECONDS TARGET...      (BB_FUZZ_SEED=N: libFuzzer's -seed, else random)
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BB_ROOT"

seconds="${1:?usage: scripts/fuzz.sh SECONDS TARGET...}"
shift
passed=0 failed=0
for t in "$@"; do
    bin="build-fuzz/fuzz/$t"
    work="build-fuzz/corpus/$t" art="build-fuzz/artifacts/$t/" log="build-fuzz/logs/$t.log"
    mkdir -p "$work" "$art" "$(dirname "$log")" "fuzz/corpus/$t"
    if [ ! -x "$bin" ]; then
        say "fuzz: $t: FAILED (not built: run make fuzz-build)"
        failed=$((failed + 1))
        continue
    fi
    # -timeout: one input taking longer is a hang (a finding); rss_limit: a leak of memory.
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        "$bin" ${BB_FUZZ_SEED:+-seed="$BB_FUZZ_SEED"} -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$art" "$work" "fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
    eps="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n1)"
    if [ "$rc" -eq 0 ]; then
        say "fuzz: $t: ok, ${runs:-?} runs in ${seconds} s, ${eps:-?} exec/s, ${cov:-cov: ?}"
        passed=$((passed + 1))
    else
        say "fuzz: $t: FAILED (exit $rc; see $log, input in $art)"
        grep -m3 -E 'ERROR: |SUMMARY: |runtime error' "$log" >&2 || tail -n 5 "$log" >&2
        failed=$((failed + 1))
    fi
done
if [ -n "${BB_SUMMARY_FILE:-}" ]; then echo "$passed $failed" >"$BB_SUMMARY_FILE"; fi
[ "$failed" -eq 0 ]
