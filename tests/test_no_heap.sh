#!/bin/sh
# tests/test_no_heap.sh - the whole no_heap example runs without the
# system heap, on mbedTLS 3.6 with its allocations in a static arena.
#
#   sh tests/test_no_heap.sh          (from anywhere; uses the repository)
#
# 1. fetches and builds mbedTLS 3.6 through mk/mbedtls36.mk (cached in
#    build/: a second run only relinks), twice: the host config (TLS 1.2 and
#    1.3) and the same without TLS 1.3;
# 2. builds lib/*.c, the POSIX port and examples/no_heap against each, with
#    the project's warnings (-Werror; mbedTLS headers through -isystem);
# 3. builds a heap trap: malloc, calloc, realloc, free (and the aligned and
#    array variants) that print their name and abort. It is linked into the
#    program with -Wl,--wrap (catches the calls of our code and of the
#    mbedTLS archives) and preloaded with LD_PRELOAD (catches the C
#    library's own calls: stdio, getaddrinfo, ...); a control program shows
#    that both traps fire;
# 4. starts the local service (tests/sim) with --auto-verify, creates the
#    identity example.com (aws CLI), sends the alert through each build and
#    prints the MessageId and the arena's peak; checks the outbox;
# 5. a build with a too small arena fails cleanly (an error, no heap, no
#    crash).
# Ends with "N passed, M failed"; exit status 0 only when nothing failed.
set -u
cd "$(dirname "$0")/.." || exit 1

MAKE=${MAKE:-make}
# CC goes to make only when set, so every build of the same mbedTLS
# objects sees the same compiler (a change rebuilds them).
CC_ARG=${CC:+CC=$CC}
HOST_CC=${CC:-cc}
JOBS=${JOBS:--j2}
out=build/no_heap
. tests/support/counts.sh

sim_pid=
tmp=$(mktemp -d)
cleanup() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$out"

# ------------------------------------------------------------ the build
# A makefile that uses the fragment as the project's Makefile will:
# MBEDTLS36_INC for every file that includes mbedTLS headers (lib/ and the
# example), MBEDTLS36_LIBS to link. VARIANT names the output folder.
cat >"$out/no_heap.mk" <<'EOF'
include mk/mbedtls36.mk
WARNINGS := -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror
NH_CFLAGS := $(WARNINGS) -O2 -g -Iinclude -Iport/posix $(MBEDTLS36_INC) $(EXTRA_CFLAGS)
V := build/no_heap/$(VARIANT)
SRC := $(sort $(wildcard lib/*.c)) $(sort $(wildcard port/posix/pe_port_posix.c)) examples/no_heap/main.c
OBJ := $(SRC:%.c=$(V)/obj/%.o)
TRAP_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free

all: $(V)/no_heap
$(V)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(NH_CFLAGS) -MMD -MP -c $< -o $@
$(V)/no_heap: $(OBJ) build/no_heap/trap_wrap.o $(MBEDTLS36_LIBS)
	$(CC) $(OBJ) build/no_heap/trap_wrap.o $(MBEDTLS36_LIBS) $(TRAP_WRAP) -o $@
-include $(wildcard $(V)/obj/*/*.d $(V)/obj/*/*/*.d)
EOF

# The heap trap, in two forms from one source.
cat >"$out/heap_trap.c" <<'EOF'
/* Any use of the heap prints which function and aborts. */
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

static void trap(const char *what)
{
    static const char head[] = "heap trap: ";
    size_t n = 0;
    while (what[n] != '\0') {
        n++;
    }
    (void)!write(2, head, sizeof head - 1);
    (void)!write(2, what, n);
    (void)!write(2, " called\n", 8);
    abort();
}
#ifdef TRAP_WRAP
#define F(name) __wrap_##name
#else
#define F(name) name
int posix_memalign(void **p, size_t a, size_t n) { (void)p; (void)a; (void)n; trap("posix_memalign"); return 12; }
void *aligned_alloc(size_t a, size_t n) { (void)a; (void)n; trap("aligned_alloc"); return NULL; }
void *memalign(size_t a, size_t n) { (void)a; (void)n; trap("memalign"); return NULL; }
void *valloc(size_t n) { (void)n; trap("valloc"); return NULL; }
void *pvalloc(size_t n) { (void)n; trap("pvalloc"); return NULL; }
void *reallocarray(void *p, size_t m, size_t n) { (void)p; (void)m; (void)n; trap("reallocarray"); return NULL; }
#endif
void *F(malloc)(size_t n);
void *F(calloc)(size_t m, size_t n);
void *F(realloc)(void *p, size_t n);
void F(free)(void *p);
void *F(malloc)(size_t n) { (void)n; trap("malloc"); return NULL; }
void *F(calloc)(size_t m, size_t n) { (void)m; (void)n; trap("calloc"); return NULL; }
void *F(realloc)(void *p, size_t n) { (void)p; (void)n; trap("realloc"); return NULL; }
void F(free)(void *p) { (void)p; trap("free"); }
EOF
cat >"$out/uses_heap.c" <<'EOF'
/* The control: a program that allocates. */
#include <stdlib.h>
int main(void)
{
    char *volatile p = malloc(16);
    free(p);
    return 0;
}
EOF

log=$tmp/build.log
if $MAKE --no-print-directory -f mk/mbedtls36.mk $JOBS ${CC_ARG:+"$CC_ARG"} mbedtls36-host >"$log" 2>&1 &&
   $MAKE --no-print-directory -f mk/mbedtls36.mk $JOBS ${CC_ARG:+"$CC_ARG"} mbedtls36-host \
       MBEDTLS36_CONFIG=port/mbedtls/pe_mbedtls_host_tls12_config.h \
       MBEDTLS36_OUT=build/mbedtls36-host-tls12 >>"$log" 2>&1; then
    ok "mbedTLS 3.6 fetched and built for the host ($(sed -n 's/^mbedTLS /mbedTLS /p' build/deps/mbedtls36.stamp 2>/dev/null || echo "MBEDTLS_DIR"))"
else
    cat "$log"
    not_ok "mbedTLS 3.6 fetched and built for the host"
    finish
fi

trap_ok=1
$HOST_CC -O2 -fPIC -shared -o "$out/heap_trap.so" "$out/heap_trap.c" >"$log" 2>&1 &&
    $HOST_CC -O2 -DTRAP_WRAP -c -o "$out/trap_wrap.o" "$out/heap_trap.c" >>"$log" 2>&1 &&
    $HOST_CC -O0 -o "$out/uses_heap" "$out/uses_heap.c" >>"$log" 2>&1 &&
    $HOST_CC -O0 -o "$out/uses_heap_wrapped" "$out/uses_heap.c" "$out/trap_wrap.o" \
        -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free >>"$log" 2>&1 || trap_ok=0
shim=$(pwd)/$out/heap_trap.so
if [ $trap_ok = 1 ]; then
    LD_PRELOAD=$shim "$out/uses_heap" >"$tmp/c1" 2>&1
    rc1=$?
    "$out/uses_heap_wrapped" >"$tmp/c2" 2>&1
    rc2=$?
    if [ $rc1 -ne 0 ] && grep -q 'heap trap: malloc called' "$tmp/c1" &&
       [ $rc2 -ne 0 ] && grep -q 'heap trap: malloc called' "$tmp/c2"; then
        ok "the heap trap stops a program that allocates (LD_PRELOAD: exit $rc1, --wrap: exit $rc2)"
    else
        cat "$tmp/c1" "$tmp/c2"
        not_ok "the heap trap stops a program that allocates (exits $rc1, $rc2)"
    fi
else
    cat "$log"
    not_ok "the heap trap builds"
fi

# variant name, config, mbedTLS output folder
build_variant() {
    $MAKE --no-print-directory -f "$out/no_heap.mk" $JOBS ${CC_ARG:+"$CC_ARG"} VARIANT="$1" \
        MBEDTLS36_CONFIG="$2" MBEDTLS36_OUT="$3" ${4:+EXTRA_CFLAGS="$4"} >"$log" 2>&1
}
built13=0
built12=0
if build_variant tls13 port/mbedtls/pe_mbedtls_host_config.h build/mbedtls36-host; then
    built13=1
    ok "lib/, the POSIX port and examples/no_heap build against mbedTLS 3.6 with -Werror"
else
    cat "$log"
    not_ok "lib/, the POSIX port and examples/no_heap build against mbedTLS 3.6 with -Werror"
fi
if build_variant tls12 port/mbedtls/pe_mbedtls_host_tls12_config.h build/mbedtls36-host-tls12; then
    built12=1
    ok "the same against the TLS 1.2-only configuration"
else
    cat "$log"
    not_ok "the same against the TLS 1.2-only configuration"
fi
smallok=0
if build_variant tls13-small-arena port/mbedtls/pe_mbedtls_host_config.h build/mbedtls36-host \
        "-DNO_HEAP_ARENA_SIZE=16384u"; then
    smallok=1
else
    cat "$log"
    not_ok "the 16 KiB arena variant builds"
fi

# ------------------------------------------------------------ the service
if ! start_sim "$tmp" --auto-verify --outbox "$tmp/outbox" --lifetime 300; then
    not_ok "the local service starts"
    finish
fi
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION PE_CONNECT_ADDR 2>/dev/null || true
# The account is in the sandbox: sender and recipient must be verified.
# A verified domain covers every address in it (--auto-verify verifies
# identities as soon as they are created).
if /usr/bin/aws pinpoint-email create-email-identity --email-identity example.com \
        --endpoint-url "$endpoint" --ca-bundle "$ca" >"$log" 2>&1; then
    ok "local service at $endpoint, identity example.com created and verified"
else
    cat "$log"
    not_ok "identity example.com created on the local service"
fi

# ------------------------------------------------------------ the runs
# name, binary: runs the alert under both traps, prints its output.
send() {
    LD_PRELOAD=$shim PE_ENDPOINT=$endpoint PE_CA_BUNDLE=$ca "$2" \
        --from device-17@example.com --to ops@example.com \
        --subject "Pump 3 stopped ($1)" \
        --text "Pressure fell below 1.2 bar. Sent by no_heap, without a heap." \
        >"$tmp/run.out" 2>"$tmp/run.err"
}
for v in tls13 tls12; do
    case $v in
    tls13) built=$built13; what="TLS 1.3 (the service's default)";;
    *) built=$built12; what="TLS 1.2 (mbedTLS without 1.3)";;
    esac
    [ "$built" = 1 ] || continue
    send "$v" "$out/$v/no_heap"
    rc=$?
    sed 's/^/    /' "$tmp/run.out" "$tmp/run.err"
    id=$(sed -n 's/^MessageId: //p' "$tmp/run.out")
    peak=$(sed -n 's/^arena: peak \([0-9]*\) bytes.*/\1/p' "$tmp/run.out")
    if [ $rc = 0 ] && [ -n "$id" ] && [ -n "$peak" ] && ! grep -q 'heap trap' "$tmp/run.err"; then
        ok "$what: alert sent with no heap, MessageId $id, arena peak $peak bytes"
    else
        not_ok "$what: alert sent with no heap (exit $rc)"
        continue
    fi
    if [ -f "$tmp/outbox/$id.eml" ] && grep -q "Pump 3 stopped ($v)" "$tmp/outbox/$id.eml"; then
        ok "$what: the service's outbox holds message $id"
    else
        not_ok "$what: the service's outbox holds message $id"
    fi
done

if [ $smallok = 1 ]; then
    send small "$out/tls13-small-arena/no_heap"
    rc=$?
    sed 's/^/    /' "$tmp/run.out" "$tmp/run.err"
    if [ $rc = 1 ] && ! grep -q 'heap trap' "$tmp/run.err" && grep -q '^arena: ' "$tmp/run.out" \
        && grep -q 'ran out of memory' "$tmp/run.err"; then
        ok "a 16 KiB arena fails cleanly: $(head -n 1 "$tmp/run.err")"
    else
        not_ok "a 16 KiB arena fails cleanly (exit $rc)"
    fi
fi

finish
