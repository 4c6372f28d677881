#!/usr/bin/env bash
# Runs build/<suite>/tests for each suite named, then prints one line "N passed, N failed" that
# counts test cases over all suites. A suite that crashes before reporting counts as one failure.
set -u
# libgomp reads the wait policy before main; PASSIVE keeps a shared machine usable (README).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
passed=0
failed=0
for suite in "$@"; do
    echo "=== suite $suite ==="
    log=$(mktemp)
    filter=()
    if [ "$suite" = san ]; then
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
        export LSAN_OPTIONS=suppressions=tests/lsan.supp:print_suppressions=0
        # Whole-layer and whole-model gradient checks repeat the same forward and backward
        # hundreds of times: the double suite runs them for their precision, the float suite for
        # the float kernels; under the sanitizers only the ops' own checks ([ops]) run.
        # The tests that start attnlab under mpirun ([mpirun]) run in f32 and f64 only: Open MPI
        # keeps allocations from MPI_Init to exit that LeakSanitizer reports as leaks in every
        # process; the data-parallel code they exercise is the same in the three variants.
        filter=("~[grad]~[mpirun],[ops]")
    fi
    "build/$suite/tests" "${filter[@]}" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    line=$(grep -E '^suite [a-z0-9]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    rm -f "$log"
    if [ -z "$line" ]; then
        echo "suite $suite crashed (exit $status) before reporting"
        failed=$((failed + 1))
        continue
    fi
    read -r p f <<<"$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')"
    passed=$((passed + p))
    failed=$((failed + f))
    # Sanitizer reports after the run (e.g. leaks at exit) fail the suite even if every case passed.
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "suite $suite exited with status $status after its tests"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
