#!/bin/sh
# Runs every test program given on the command line, then the Python
# suites, and sums their "N passed, M failed" lines into one.
# Exit status: 0 only when every suite ran and none failed.
PYTHON=${PYTHON:-/usr/bin/python3}
total_pass=0
total_fail=0
status=0
log=$(mktemp)
run_suite() {
    name=$1
    shift
    echo "== $name"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$name: no result line (exit $rc); counted as 1 failure"
        total_fail=$((total_fail + 1))
        status=1
        return
    fi
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        echo "$name: exit $rc after all its checks passed; counted as 1 failure"
        total_fail=$((total_fail + 1))
    fi
    if [ "$rc" != 0 ] || [ "$f" != 0 ]; then status=1; fi
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
echo "$total_pass passed, $total_fail failed"
exit $status
