#!/bin/sh
# Runs each firmware test program (an .elf) under QEMU's mps2-an386 board,
# prints its output, and sums the "N passed, M failed" lines into one, as
# tests/run_tests.sh does on the host. Each program also reports the
# high-water mark of its stack ("stack high-water: N of M bytes"); a
# table of them and of the run times closes the report.
#
# Environment (mk/firmware.mk sets them):
#   FW_QEMU_RUN  the qemu command line up to -kernel
#   FW_TIMEOUT   seconds per program (default 300)
#   FW_DIRLIST   where to write the listing the programs' opendir() reads
#   FW_SIZE      arm-none-eabi-size, for the text/data/bss column
#
# QEMU runs from the repository root: the programs open build/gen/... and
# ../shared/... through semihosting, relative to its working directory.
# Exit status: 0 only when every program ran to its result line, exited 0
# and reported no failure.
FW_QEMU_RUN=${FW_QEMU_RUN:-qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native -kernel}
FW_TIMEOUT=${FW_TIMEOUT:-300}
FW_DIRLIST=${FW_DIRLIST:-build/firmware/dirlist.txt}
FW_SIZE=${FW_SIZE:-arm-none-eabi-size}

mkdir -p "$(dirname "$FW_DIRLIST")"
if [ -d ../shared ]; then
    find ../shared -printf '%y %p\n' >"$FW_DIRLIST"
else
    : >"$FW_DIRLIST"
fi

. tests/support/counts.sh
log=$(mktemp)
summary=$(mktemp)
start_all=$(date +%s.%N)
for elf in "$@"; do
    name=$(basename "$elf" .elf)
    echo "== $name (qemu $(echo "$FW_QEMU_RUN" | sed -n 's/.*-M \([^ ]*\).*/\1/p'))"
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086 # FW_QEMU_RUN is a command line
    timeout "$FW_TIMEOUT" $FW_QEMU_RUN "$elf" </dev/null >"$log" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    secs=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
    cat "$log"
    [ "$rc" = 124 ] && echo "$name: timed out after ${FW_TIMEOUT}s"
    stack=$(sed -n 's/^stack high-water: \([0-9]*\) of \([0-9]*\) bytes.*/\1 \2/p' "$log" | tail -n 1)
    text=$($FW_SIZE "$elf" 2>/dev/null | awk 'NR == 2 { print $1 " " $2 " " $3 }')
    printf '%s %s %s %s %s\n' "$name" "${stack:-? ?}" "$secs" "${text:-? ? ?}" "$rc" >>"$summary"
    add_counts "$log" "$rc" "$name"
done
end_all=$(date +%s.%N)
echo "== stack high-water (bytes used of the main stack), time under QEMU, image size"
awk '{ printf "  %-20s %7s of %-7s %7ss   text %7s  data %5s  bss %7s\n", $1, $2, $3, $4, $5, $6, $7 }' "$summary"
echo "== all firmware programs ($(echo "$start_all $end_all" | awk '{ printf "%.1f", $2 - $1 }')s)"
rm -f "$log" "$summary"
finish
