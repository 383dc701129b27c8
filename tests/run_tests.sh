#!/bin/sh
# Runs every test program given on the command line, then the Python
# suites, and sums their "N passed, M failed" lines into one.
# Exit status: 0 only when every suite ran and none failed.
PYTHON=${PYTHON:-/usr/bin/python3}
. tests/support/counts.sh
log=$(mktemp)
run_suite() {
    name=$1
    shift
    echo "== $name"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    add_counts "$log" "$rc" "$name"
}
for t in "$@"; do
    run_suite "$(basename "$t")" "$t"
done
# PE_TESTS_C_ONLY: the scripts test the host programs; skip them (said).
if [ -n "${PE_TESTS_C_ONLY:-}" ]; then
    echo "== scripts found in tests/ (test_*.py, sim/, test_*.sh): not run here (PE_TESTS_C_ONLY); only the programs given"
else
    for py in tests/test_*.py tests/sim/test_*.py; do
        [ -f "$py" ] || continue
        run_suite "$py" "$PYTHON" "$py"
    done
    for script in tests/test_*.sh; do
        [ -f "$script" ] || continue
        run_suite "$script" sh "$script"
    done
fi
rm -f "$log"
echo "== all suites"
finish
