#!/bin/sh
# Builds tests/test_e2e without sanitizers (valgrind and ASan do not mix)
# and runs it under valgrind's memcheck: every operation end to end over
# TLS against the local service. Prints valgrind's summary; exits non-zero
# on any memory error, any definite or indirect leak, or a failed test.
#
#   sh tests/test_valgrind.sh          (from the repository root)
#
# Honoured: CC, VALGRIND.
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-gcc}
VALGRIND=${VALGRIND:-valgrind}
OUT=build/valgrind
BIN=$OUT/test_e2e
LOG=$OUT/test_e2e.valgrind.log

if ! command -v "$VALGRIND" >/dev/null 2>&1; then
    echo "test_valgrind: FAIL, $VALGRIND not found (apt-get install valgrind)"
    exit 2
fi
mkdir -p "$OUT" || exit 2
# shellcheck disable=SC2086 # word splitting of the flag lists is wanted
$CC -std=c99 -O1 -g -Wall -Wextra -Werror \
    -Iinclude -Ilib -Itests -Iport/posix -D_DEFAULT_SOURCE \
    tests/test_e2e.c tests/support/*.c port/posix/*.c lib/*.c \
    -lmbedtls -lmbedx509 -lmbedcrypto -lpthread -o "$BIN" || {
    echo "test_valgrind: FAIL, build of $BIN"
    exit 2
}

# The test forks and execs the local service (Python): only the test
# process itself is checked (no --trace-children).
"$VALGRIND" --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    --track-origins=yes --log-file="$LOG" "$BIN"
rc=$?

echo "== valgrind ($LOG)"
sed -n -e '/HEAP SUMMARY/,$p' "$LOG" | sed -e 's/^==[0-9]*== //'
if [ "$rc" = 99 ]; then
    echo "test_valgrind: FAIL, valgrind found errors or leaks (see above and $LOG)"
    exit 1
fi
if [ "$rc" != 0 ]; then
    echo "test_valgrind: FAIL, test_e2e exited $rc"
    exit 1
fi
echo "test_valgrind: ok, no memory error and no definite or indirect leak"
exit 0
