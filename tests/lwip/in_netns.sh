#!/bin/sh
# tests/lwip/in_netns.sh - the TAP half of tests/test_port_lwip.sh. Runs
# inside a network namespace that the driver has just made for it (ip netns
# exec, or unshare --net), and refuses to run anywhere else.
#
#   sh tests/lwip/in_netns.sh PROGRAM TMPDIR
#
# In the namespace: lo up; a TAP device pe-tap0 whose host end is
# 192.168.77.1/24; the local service (tests/sim) on 127.0.0.1 and a TCP
# forwarder from 192.168.77.1 to it; then PROGRAM (tests/lwip/lwip_host.c)
# runs lwIP on the TAP at 192.168.77.2: the port conformance suite against
# a peer on the host end, and the client's calls to the service. The
# addresses exist only in this namespace, which has no route anywhere else.
#
# Exit 77 with a "TAP: ..." line when no TAP device can be made here.
# Otherwise ok/FAIL lines, PROGRAM's output (indented) and a last line
# "N passed, M failed" that includes PROGRAM's checks.
set -u
prog=$1
tmp=$2
PYTHON=${PYTHON:-/usr/bin/python3}
TAP=pe-tap0
HOST_ADDR=192.168.77.1
LWIP_ADDR=192.168.77.2
# Debian bookworm's liblwip (2.1.3+dfsg1-2) allocates its PBUF_POOL
# entries at 616 bytes (memp_pools) while its pbuf code assumes 1536: the
# tapif thread copies every received frame into one such pbuf, so a frame
# over 584 bytes overflows the heap (AddressSanitizer: heap-buffer-overflow
# in pbuf_take, from tapif's input thread). The host end's MTU keeps every
# frame that reaches lwIP at 566 bytes or less.
MTU=552

. tests/support/counts.sh # run from the repository's top folder

sim_pid=
fwd_pid=
cleanup() {
    for pid in $fwd_pid $sim_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM

# A new namespace has nothing but a loopback that is down.
others=$(ip -o link show | awk -F': ' '{ print $2 }' | grep -v '^lo$' || true)
if [ -n "$others" ]; then
    echo "in_netns.sh: this namespace has other interfaces ($others): not the test's own; refusing"
    exit 2
fi

if ! err=$(ip link set lo up 2>&1); then
    echo "TAP: cannot configure the namespace's loopback: $err"
    exit 77
fi
if ! err=$(ip tuntap add dev "$TAP" mode tap 2>&1); then
    echo "TAP: cannot create a TAP device in the namespace (/dev/net/tun): $err"
    exit 77
fi
if err=$(ip link set "$TAP" mtu "$MTU" 2>&1 &&
         ip addr add "$HOST_ADDR/24" dev "$TAP" 2>&1 &&
         ip link set "$TAP" up 2>&1); then
    ok "a network namespace of the test's own: TAP $TAP, host end $HOST_ADDR/24 (MTU $MTU), lwIP at $LWIP_ADDR, no route out"
else
    not_ok "configure $TAP: $err"
    finish
fi

# ------------------------------------------------------------ the service
if ! start_sim "$tmp" --auto-verify --outbox "$tmp/outbox" --lifetime 300; then
    not_ok "the local service starts in the namespace"
    finish
fi
service_port=${endpoint##*:}

: >"$tmp/fwd.out"
"$PYTHON" tests/lwip/forward.py "$HOST_ADDR" 127.0.0.1 "$service_port" 300 \
    >"$tmp/fwd.out" 2>"$tmp/fwd.err" &
fwd_pid=$!
if ! await "$fwd_pid" 100 grep -q '^listening ' "$tmp/fwd.out"; then
    cat "$tmp/fwd.err"
    not_ok "the forwarder starts on $HOST_ADDR"
    finish
fi
forward=$(sed -n 's/^listening //p' "$tmp/fwd.out")
ok "local service at $endpoint (in the namespace), forwarded from $forward"

# ------------------------------------------------------------ lwIP
"$prog" tap "$TAP" "$LWIP_ADDR" "$HOST_ADDR" "$endpoint" "$ca" "$forward" \
    >"$tmp/prog.out" 2>&1
rc=$?
sed 's/^/    /' "$tmp/prog.out"
add_counts "$tmp/prog.out" "$rc" "lwIP on the TAP"

id=$(sed -n 's/^MessageId: //p' "$tmp/prog.out")
if [ -n "$id" ] && [ -f "$tmp/outbox/$id.eml" ] &&
   grep -q 'Pump 3 stopped (lwIP)' "$tmp/outbox/$id.eml"; then
    ok "the service's outbox holds message $id, sent through lwIP"
else
    not_ok "the service's outbox holds the message sent through lwIP (id '${id}')"
fi

# What crossed the TAP (the host end's counters: rx is what lwIP sent).
counters=$(awk -v dev="$TAP:" '$1 == dev { print $2, $10 }' /proc/net/dev)
rx=${counters% *}
tx=${counters#* }
if [ -n "$counters" ] && [ "$rx" -gt 1048576 ] && [ "$tx" -gt 1048576 ]; then
    ok "the TAP carried $rx bytes from lwIP and $tx bytes to it"
else
    not_ok "the TAP carried the traffic (counters '$counters')"
fi
finish
