#!/usr/bin/env bash
# Runs each fuzz harness build/fuzz/bin/<name> for SECONDS seconds (usage: run.sh SECONDS NAME...),
# one after the other, and prints each one's executions and coverage. New interesting inputs go to
# build/fuzz/corpus/<name>/ (the committed seeds in tests/fuzz/corpus/<name>/ are only read); a
# crash, sanitizer report, uncaught exception, timeout or out-of-memory leaves its input in
# build/fuzz/findings/<name>/ and fails the run. Copy every finding into
# tests/fuzz/regressions/<name>/: `make test` replays that folder. Inputs are at most 8 KiB
# (-max_len): longer seeds and regressions are read truncated, which keeps every run fast; the
# replay reads them whole.
set -u
seconds=$1
shift
summary=()
failed=0
for name in "$@"; do
    corpus=build/fuzz/corpus/$name findings=build/fuzz/findings/$name
    mkdir -p "$corpus" "$findings"
    log=build/fuzz/$name.log
    echo "=== fuzz $name: ${seconds}s ==="
    seeds=(tests/fuzz/corpus/"$name")
    [ -d tests/fuzz/regressions/"$name" ] && seeds+=(tests/fuzz/regressions/"$name")
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "build/fuzz/bin/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "${seeds[@]}" 2>&1 |
        tee "$log" | grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE|pulse))|ERROR|SUMMARY|Test unit written|==[0-9]+=='
    status=${PIPESTATUS[0]}
    done_line=$(grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -n 1)
    if [ "$status" -ne 0 ]; then
        failed=$((failed + 1))
        summary+=("$name: FAILED (exit $status), input in $findings/, log $log")
    else
        summary+=("$name: ${done_line:-no DONE line}")
    fi
done
echo "=== fuzz summary (${seconds}s each) ==="
printf '%s\n' "${summary[@]}"
[ "$failed" -eq 0 ]
