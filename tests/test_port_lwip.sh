#!/bin/sh
# tests/test_port_lwip.sh - the lwIP port (port/lwip/) run for real on the
# host, over Debian's liblwip (lwIP's unix port: pthreads sys_arch, tapif).
#
#   sh tests/test_port_lwip.sh          (from anywhere; uses the repository)
#
# 1. checks that Debian's liblwip-dev is installed (make deps);
# 2. builds build/lwip-host/test_port_lwip (mk/lwip.mk, lwip-host-test):
#    the port, lib/ (TLS by the system's mbedTLS), the conformance suite
#    and tests/lwip/, with the project's warnings and the sanitizers;
# 3. TAP: in a network namespace the test creates (ip netns add as root;
#    otherwise unshare --user --net, where the system allows it), a TAP
#    device with lwIP's stack on one end and the namespace's kernel on the
#    other (tests/lwip/in_netns.sh): the port conformance suite against a
#    peer on the kernel's end, then the client's CreateEmailIdentity and
#    SendEmail to the local service (tests/sim) through lwIP, over verified
#    TLS. When no namespace or no TAP device can be made, it says so and
#    why, and that part is skipped (not failed);
# 4. loopback: the conformance suite over lwIP's loopback netif, with the
#    peer on lwIP's own sockets in the same process: the whole test where
#    there is no TAP (PE_LWIP_LOOPBACK=1 runs it beside the TAP part too).
#    It is not run beside a working TAP part: with Debian's liblwip 2.1.3
#    its 1 MiB echo, client and peer in one lwIP, stalled about once in
#    eight runs (an lwIP loopback stall, not seen over TAP).
# Traffic stays in lwIP, on loopback, or inside the test's own namespace
# (192.168.77.0/24 exists only there, with no route out).
# PE_LWIP_NO_TAP=1 skips step 3 (to see the fallback on a machine that
# could make a TAP).
# Ends with "N passed, M failed"; exit status 0 only when nothing failed.
set -u
cd "$(dirname "$0")/.." || exit 1

MAKE=${MAKE:-make}
PYTHON=${PYTHON:-/usr/bin/python3}
export PYTHON
CC_ARG=${CC:+CC=$CC}
prog=build/lwip-host/test_port_lwip
. tests/support/counts.sh

ns=
tmp=$(mktemp -d)
cleanup() {
    if [ -n "$ns" ]; then
        ip netns del "$ns" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM

# ------------------------------------------------------------ liblwip-dev
lwip_so=$(ls /usr/lib/*/liblwip.so /usr/lib/liblwip.so 2>/dev/null | head -n 1)
if [ -f /usr/include/lwip/lwip/sockets.h ] && [ -f /usr/include/lwip/netif/tapif.h ] &&
   [ -n "$lwip_so" ]; then
    ok "Debian's liblwip-dev $(dpkg-query -W -f='${Version}' liblwip-dev 2>/dev/null) ($lwip_so, tapif)"
else
    not_ok "Debian's liblwip-dev is installed (apt-get install liblwip-dev, or make deps)"
    finish
fi

# ------------------------------------------------------------ build
if $MAKE --no-print-directory -f mk/lwip.mk ${CC_ARG:+"$CC_ARG"} -j2 lwip-host-test \
        >"$tmp/build.log" 2>&1; then
    ok "the lwIP port, lib/, the conformance suite and tests/lwip/ build with -Werror against liblwip"
else
    cat "$tmp/build.log"
    not_ok "the lwIP port and its host test build"
    finish
fi

# ------------------------------------------------------------ TAP
no_tap=
tap_out=$tmp/tap.out
mkdir -p "$tmp/tap"
if [ -n "${PE_LWIP_NO_TAP:-}" ]; then
    no_tap="PE_LWIP_NO_TAP is set"
elif ! command -v ip >/dev/null; then
    no_tap="the ip command (iproute2) is not installed"
elif [ "$(id -u)" = 0 ]; then
    ns=pe-lwip-$$
    if err=$(ip netns add "$ns" 2>&1); then
        ip netns exec "$ns" sh tests/lwip/in_netns.sh "$prog" "$tmp/tap" >"$tap_out" 2>&1
        rc=$?
    else
        ns=
        no_tap="cannot create a network namespace (ip netns add): $err"
    fi
elif command -v unshare >/dev/null &&
     err=$(unshare --user --map-root-user --net true 2>&1); then
    unshare --user --map-root-user --net sh tests/lwip/in_netns.sh "$prog" "$tmp/tap" \
        >"$tap_out" 2>&1
    rc=$?
else
    no_tap="not root, and no user namespace to make a network namespace in${err:+ ($err)}"
fi
if [ -z "$no_tap" ]; then
    if [ "$rc" = 77 ]; then
        no_tap=$(sed -n 's/^TAP: //p' "$tap_out" | head -n 1)
    else
        echo "# lwIP on a TAP device, in a network namespace of the test's own"
        sed 's/^/  /' "$tap_out"
        add_counts "$tap_out" "$rc" "lwIP on a TAP device"
    fi
fi
if [ -n "$no_tap" ]; then
    echo "# SKIP lwIP on a TAP device: $no_tap."
    echo "# NO TAP: no call to the local service crosses lwIP here; the port"
    echo "# goes through the conformance suite over lwIP's loopback netif only."
fi

# ------------------------------------------------------------ loopback
if [ -n "$no_tap" ] || [ -n "${PE_LWIP_LOOPBACK:-}" ]; then
    echo "# lwIP's loopback netif, the peer on lwIP's sockets"
    "$prog" loopback >"$tmp/lo.out" 2>&1
    rc=$?
    sed 's/^/  /' "$tmp/lo.out"
    add_counts "$tmp/lo.out" "$rc" "lwIP loopback"
else
    echo "# lwIP's loopback netif: not run, the TAP part ran (PE_LWIP_LOOPBACK=1 runs it too)"
fi

finish
