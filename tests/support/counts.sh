# counts.sh - what the test scripts share (POSIX sh, sourced from the
# repository's top folder): the "N passed, M failed" bookkeeping and
# starting the local service.
#
#   ok TEXT, not_ok TEXT     one check of the script's own
#   add_counts FILE RC NAME  adds a suite's last "N passed, M failed" line
#                            (from its output FILE; it exited RC); no line,
#                            or exit RC != 0 after all its checks passed,
#                            counts as one failure
#   finish                   prints the total line and exits, 0 only when
#                            nothing failed
#   await PID TRIES CMD...   runs CMD every 0.1 s until it succeeds; 1 when
#                            process PID ended or TRIES runs failed first
#   start_sim DIR ARGS...    tests/sim/run ARGS in the background (start-up
#                            lines in DIR/sim.out, stderr in DIR/sim.err);
#                            sets sim_pid, endpoint and ca; 1 (sim.err
#                            shown) when it did not start within 30 s

pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "FAIL - $*"; }

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
    exit $?
}

add_counts() {
    ac_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
    if [ -z "$ac_line" ]; then
        not_ok "$3: no result line (exit $2)"
        return
    fi
    ac_p=${ac_line%% passed*}
    ac_f=${ac_line#* passed, }
    ac_f=${ac_f%% failed*}
    pass=$((pass + ac_p))
    fail=$((fail + ac_f))
    if [ "$2" != 0 ] && [ "$ac_f" = 0 ]; then
        not_ok "$3: exit $2 after all its checks passed"
    fi
}

await() {
    aw_pid=$1
    aw_tries=$2
    shift 2
    aw_n=0
    until "$@"; do
        aw_n=$((aw_n + 1))
        if [ "$aw_n" -gt "$aw_tries" ] || ! kill -0 "$aw_pid" 2>/dev/null; then
            return 1
        fi
        sleep 0.1
    done
}

# true when file $1 has at least $2 lines
has_lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }

start_sim() {
    ss_dir=$1
    shift
    : >"$ss_dir/sim.out"
    tests/sim/run "$@" >"$ss_dir/sim.out" 2>"$ss_dir/sim.err" &
    sim_pid=$!
    if ! await "$sim_pid" 300 has_lines "$ss_dir/sim.out" 2; then
        cat "$ss_dir/sim.err"
        return 1
    fi
    endpoint=$(sed -n '1s/^endpoint //p' "$ss_dir/sim.out")
    ca=$(sed -n '2s/^ca-bundle //p' "$ss_dir/sim.out")
}
