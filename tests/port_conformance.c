/*
 * port_conformance.c - the port contract checks (first half: pe_port_t
 * calls only) and a loopback peer to run them against (second half:
 * POSIX sockets and a thread). See port_conformance.h.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#include "port_conformance.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pe_test.h"

/* Byte i of what "drip" sends and what the big echo carries. */
static uint8_t pattern_byte(size_t i)
{
    return (uint8_t)((i * 7u + i / 251u) % 251u);
}

/* ================================================================ checks */

#define PC_CONNECT_MS 2000u   /* connects that must succeed */
#define PC_WAIT_MS 1000u      /* one send/recv that should move bytes */
#define PC_DEADLINE_MS 5000u  /* one whole exchange */
#define PC_TIMEOUT_MS 200u    /* the timeouts being measured */
#define PC_BIG (1024u * 1024u)

typedef struct {
    const pe_port_t *port;
    const pe_port_target_t *target;
} pc_t;

static uint8_t pc_big_out[PC_BIG];
static uint8_t pc_big_in[PC_BIG];

static uint32_t pc_now(const pc_t *t)
{
    return t->port->monotonic_ms(t->port->ctx);
}

static uint32_t pc_since(const pc_t *t, uint32_t start)
{
    return (uint32_t)(pc_now(t) - start); /* wrap-safe */
}

/* A measured timeout: at least about half of it (a port may round), at
 * most five times it (a loaded machine), so the check never flakes. */
static void pc_check_waited(const char *what, uint32_t took, uint32_t timeout)
{
    CHECK(took >= timeout / 2 && took <= 5u * timeout + 100u,
          "%s took %u ms for a %u ms timeout", what, (unsigned)took,
          (unsigned)timeout);
}

/* A send/recv result for a request of len bytes is one of the contract's
 * codes or a count of 1..len (whether the code fits is the caller's).
 * Counted only when it fails: loops call it a timing-dependent number of
 * times, and the pass count should not vary from run to run. */
static void pc_check_count(const char *what, int32_t r, size_t len)
{
    if (r < PE_PORT_IO || (r > 0 && (size_t)r > len)) {
        CHECK(false, "%s returned %ld for %lu bytes", what, (long)r,
              (unsigned long)len);
    }
}

static bool pc_send_all(const pc_t *t, const uint8_t *buf, size_t len)
{
    uint32_t start = pc_now(t);
    size_t done = 0;
    while (done < len && pc_since(t, start) < PC_DEADLINE_MS) {
        int32_t r = t->port->send(t->port->ctx, buf + done, len - done,
                                  PC_WAIT_MS);
        pc_check_count("send", r, len - done);
        if (r < 0) {
            break;
        }
        done += (size_t)r;
    }
    CHECK(done == len, "sent %lu of %lu bytes", (unsigned long)done,
          (unsigned long)len);
    return done == len;
}

/* Receives until `want` bytes are in, or a result other than a count or
 * TIMEOUT, or the deadline. Returns that last result (the count when all
 * arrived); *got says how many bytes came. */
static int32_t pc_recv(const pc_t *t, uint8_t *buf, size_t want, size_t *got)
{
    uint32_t start = pc_now(t);
    int32_t r = PE_PORT_TIMEOUT;
    *got = 0;
    while (*got < want && pc_since(t, start) < PC_DEADLINE_MS) {
        r = t->port->recv(t->port->ctx, buf + *got, want - *got, PC_WAIT_MS);
        pc_check_count("recv", r, want - *got);
        if (r < 0) {
            break;
        }
        *got += (size_t)r;
    }
    return r;
}

/* Connects to the peer and sends it a command line. */
static bool pc_open(const pc_t *t, const char *command)
{
    pe_status_t st = t->port->connect(t->port->ctx, t->target->host,
                                      t->target->port, PC_CONNECT_MS);
    CHECK(st == PE_OK, "connect to %s:%u: status %d", t->target->host,
          (unsigned)t->target->port, (int)st);
    return st == PE_OK &&
           pc_send_all(t, (const uint8_t *)command, strlen(command));
}

/* Sends a byte at a time (the first may still be accepted: the peer's
 * FIN or RST may not have arrived yet) until send fails, then checks that
 * it said CLOSED or RESET: the caller cannot tell which one a stack will
 * report for a peer that is gone (see pc_peer_close, pc_peer_reset). */
static void pc_check_send_fails(const pc_t *t, const char *after)
{
    int32_t r = 1;
    int i;
    for (i = 0; i < 100 && r >= 0; i++) {
        r = t->port->send(t->port->ctx, (const uint8_t *)"x", 1, PC_WAIT_MS);
        if (r >= 0) {
            t->port->sleep_ms(t->port->ctx, 10);
        }
    }
    CHECK(r == PE_PORT_CLOSED || r == PE_PORT_RESET,
          "send after %s returned %ld", after, (long)r);
}

/* Sends the peer `command`; the first recv must report `expect`. */
static bool pc_check_recv_end(const pc_t *t, const char *command,
                              int32_t expect)
{
    uint8_t in[16];
    int32_t r;
    if (!pc_open(t, command)) {
        return false;
    }
    r = t->port->recv(t->port->ctx, in, sizeof in, PC_CONNECT_MS);
    CHECK(r == expect, "recv after \"%.5s\" returned %ld, not %ld", command,
          (long)r, (long)expect);
    return true;
}

static void pc_clocks(const pc_t *t)
{
    void *ctx = t->port->ctx;
    int64_t utc = t->port->time_utc(ctx);
    int64_t host = (int64_t)time(NULL);
    uint32_t prev = t->port->monotonic_ms(ctx), start = prev, took;
    bool monotonic = true;
    int i;

    CHECK(utc > PE_MIN_PLAUSIBLE_TIME, "time_utc %lld is before 2020-01-01",
          (long long)utc);
    CHECK(utc - host <= 5 && host - utc <= 5,
          "time_utc %lld vs time(NULL) %lld", (long long)utc,
          (long long)host);
    for (i = 0; i < 10000; i++) {
        uint32_t now = t->port->monotonic_ms(ctx);
        monotonic = monotonic && (uint32_t)(now - prev) < UINT32_C(0x80000000);
        prev = now;
    }
    CHECK(monotonic, "monotonic_ms went backwards");
    CHECK(pc_since(t, start) < 1000u, "10000 monotonic_ms calls took %u ms",
          (unsigned)pc_since(t, start));
    start = pc_now(t);
    t->port->sleep_ms(ctx, 50);
    took = pc_since(t, start);
    CHECK(took >= 40u && took < 5000u, "sleep_ms(50) advanced %u ms",
          (unsigned)took);
}

static void pc_random(const pc_t *t)
{
    uint8_t a[64], b[64], zero[64];
    void *ctx = t->port->ctx;
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    memset(zero, 0, sizeof zero);
    CHECK_EQ_INT(t->port->random(ctx, a, sizeof a), PE_OK);
    CHECK_EQ_INT(t->port->random(ctx, b, sizeof b), PE_OK);
    CHECK(memcmp(a, zero, sizeof a) != 0, "random left the buffer zero");
    CHECK(memcmp(a, b, sizeof a) != 0, "two random calls gave the same bytes");
    CHECK_EQ_INT(t->port->random(ctx, pc_big_out, 100000), PE_OK);
    CHECK(memcmp(pc_big_out + 100000 - sizeof zero, zero, sizeof zero) != 0,
          "a large random request left its end zero");
}

static void pc_connect(const pc_t *t)
{
    void *ctx = t->port->ctx;
    uint32_t start;
    pe_status_t st;

    t->port->close(ctx); /* nothing open: must be harmless */
    start = pc_now(t);
    st = t->port->connect(ctx, t->target->host, t->target->port,
                          PC_CONNECT_MS);
    CHECK(st == PE_OK, "connect to %s:%u: status %d", t->target->host,
          (unsigned)t->target->port, (int)st);
    CHECK(pc_since(t, start) < PC_CONNECT_MS, "connect took %u ms",
          (unsigned)pc_since(t, start));
    t->port->close(ctx);
    t->port->close(ctx); /* twice: must be harmless */

    start = pc_now(t);
    st = t->port->connect(ctx, t->target->host, t->target->closed_port,
                          PC_CONNECT_MS);
    CHECK_EQ_INT(st, PE_ERR_CONNECT);
    CHECK(pc_since(t, start) < 1000u, "a refused connect took %u ms",
          (unsigned)pc_since(t, start));
    t->port->close(ctx);

    /* RFC 6761: .invalid never resolves. */
    st = t->port->connect(ctx, "nonexistent.invalid", t->target->port,
                          PC_CONNECT_MS);
    CHECK_EQ_INT(st, PE_ERR_DNS);
    t->port->close(ctx);
}

static void pc_connect_timeout(const pc_t *t)
{
    uint32_t start = pc_now(t);
    pe_status_t st;
    if (t->target->full_port == 0) {
        printf("# SKIP connect timeout: the peer has no full listener\n");
        return;
    }
    st = t->port->connect(t->port->ctx, t->target->host,
                          t->target->full_port, 3u * PC_TIMEOUT_MS / 2u);
    CHECK_EQ_INT(st, PE_ERR_TIMEOUT);
    pc_check_waited("connect", pc_since(t, start), 3u * PC_TIMEOUT_MS / 2u);
}

static void pc_echo(const pc_t *t)
{
    static const char msg[] = "hello, port";
    uint8_t in[sizeof msg];
    size_t got;
    int32_t r;
    if (!pc_open(t, "echo\n") ||
        !pc_send_all(t, (const uint8_t *)msg, sizeof msg - 1)) {
        return;
    }
    r = t->port->recv(t->port->ctx, in, sizeof in, PC_WAIT_MS);
    CHECK(r > 0 && (size_t)r < sizeof in, "recv of an echo returned %ld",
          (long)r);
    if (r > 0 && (size_t)r < sizeof in) {
        (void)pc_recv(t, in + r, sizeof msg - 1 - (size_t)r, &got);
        CHECK_EQ_MEM(in, (size_t)r + got, msg, sizeof msg - 1);
    }
}

/* 8 KiB out and back, read in sizes that mix small ones (a TLS record
 * header is 5 bytes) with ones of several hundred bytes: every byte comes
 * back once and in order, whatever a port buffers. */
static void pc_echo_mixed_reads(const pc_t *t)
{
    static const size_t sizes[] = {5, 1, 265, 3, 700, 2, 64, 1500, 5, 4096};
    size_t got = 0, i, k = 0;
    uint32_t start;
    for (i = 0; i < 8192; i++) {
        pc_big_out[i] = pattern_byte(i);
    }
    memset(pc_big_in, 0, 8192);
    if (!pc_open(t, "echo\n") || !pc_send_all(t, pc_big_out, 8192)) {
        return;
    }
    start = pc_now(t);
    while (got < 8192 && pc_since(t, start) < PC_DEADLINE_MS) {
        size_t want = sizes[k++ % (sizeof sizes / sizeof sizes[0])];
        int32_t r;
        if (want > 8192 - got) {
            want = 8192 - got;
        }
        r = t->port->recv(t->port->ctx, pc_big_in + got, want, PC_WAIT_MS);
        pc_check_count("recv", r, want);
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    CHECK(got == 8192 && memcmp(pc_big_in, pc_big_out, 8192) == 0,
          "mixed-size reads: %lu of 8192 bytes came back in order",
          (unsigned long)got);
}

/* 1 MiB out and back, sending and receiving in turn (neither side may
 * wait for the other with both buffers full). */
static void pc_echo_big(const pc_t *t)
{
    void *ctx = t->port->ctx;
    uint32_t start;
    size_t sent = 0, got = 0, i;
    bool short_send = false;
    for (i = 0; i < PC_BIG; i++) {
        pc_big_out[i] = pattern_byte(i);
    }
    memset(pc_big_in, 0, PC_BIG);
    if (!pc_open(t, "echo\n")) {
        return;
    }
    start = pc_now(t);
    while (got < PC_BIG && pc_since(t, start) < PC_DEADLINE_MS) {
        int32_t r;
        if (sent < PC_BIG) {
            r = t->port->send(ctx, pc_big_out + sent, PC_BIG - sent, 10);
            pc_check_count("send", r, PC_BIG - sent);
            if (r < 0) {
                break;
            }
            short_send = short_send || (size_t)r < PC_BIG - sent;
            sent += (size_t)r;
        }
        r = t->port->recv(ctx, pc_big_in + got, PC_BIG - got, 10);
        pc_check_count("recv", r, PC_BIG - got);
        if (r < 0) {
            break;
        }
        got += (size_t)r;
    }
    CHECK(sent == PC_BIG && got == PC_BIG, "sent %lu, echoed %lu of %lu",
          (unsigned long)sent, (unsigned long)got, (unsigned long)PC_BIG);
    CHECK(memcmp(pc_big_in, pc_big_out, PC_BIG) == 0,
          "the echo differs from what was sent");
    printf("# 1 MiB echo: %s\n",
           short_send ? "send returned short counts" : "no short send");
}

static void pc_recv_timeout(const pc_t *t)
{
    uint8_t in[16];
    uint32_t start;
    int32_t r;
    if (!pc_open(t, "echo\n")) {
        return; /* an echo peer that is sent nothing stays silent */
    }
    start = pc_now(t);
    r = t->port->recv(t->port->ctx, in, sizeof in, PC_TIMEOUT_MS);
    CHECK_EQ_INT(r, PE_PORT_TIMEOUT);
    pc_check_waited("recv", pc_since(t, start), PC_TIMEOUT_MS);
    start = pc_now(t);
    r = t->port->recv(t->port->ctx, in, sizeof in, 0);
    CHECK_EQ_INT(r, PE_PORT_TIMEOUT);
    CHECK(pc_since(t, start) < 500u, "recv with timeout 0 took %u ms",
          (unsigned)pc_since(t, start));
}

static void pc_drip(const pc_t *t)
{
    uint8_t in[1000], expect[600];
    size_t got, i;
    int32_t r;
    for (i = 0; i < sizeof expect; i++) {
        expect[i] = pattern_byte(i);
    }
    if (!pc_open(t, "drip 600\n")) {
        return;
    }
    /* Asks for more than comes: ends with the peer's FIN. */
    r = pc_recv(t, in, sizeof in, &got);
    CHECK_EQ_INT(r, PE_PORT_CLOSED);
    CHECK_EQ_MEM(in, got, expect, sizeof expect);
}

/* The peer closes in order: recv reports CLOSED. A send afterwards may be
 * accepted once, then the contract says CLOSED ("the peer no longer
 * reads"); a stack that saw the peer's RST answer the data may report
 * RESET, which a caller treats the same way. */
static void pc_peer_close(const pc_t *t)
{
    if (pc_check_recv_end(t, "close\n", PE_PORT_CLOSED)) {
        pc_check_send_fails(t, "the peer closed");
    }
}

/* The peer resets: the first recv reports RESET. A send reports RESET,
 * or CLOSED once the stack has reported the reset (Linux: ECONNRESET
 * once, EPIPE after), so a fresh connection checks send on its own. */
static void pc_peer_reset(const pc_t *t)
{
    (void)pc_check_recv_end(t, "reset\n", PE_PORT_RESET);
    t->port->close(t->port->ctx);
    if (pc_open(t, "reset\n")) {
        pc_check_send_fails(t, "the peer reset");
    }
}

/* The peer stops reading: sends fill the buffers, then one times out. */
static void pc_send_timeout(const pc_t *t)
{
    uint32_t start = pc_now(t), call = 0;
    int32_t r = 1;
    if (!pc_open(t, "sink\n")) {
        return;
    }
    while (r > 0 && pc_since(t, start) < PC_DEADLINE_MS) {
        call = pc_now(t);
        r = t->port->send(t->port->ctx, pc_big_out, 65536, PC_TIMEOUT_MS);
        pc_check_count("send", r, 65536);
    }
    CHECK_EQ_INT(r, PE_PORT_TIMEOUT);
    if (r == PE_PORT_TIMEOUT) {
        pc_check_waited("send", pc_since(t, call), PC_TIMEOUT_MS);
    }
}

static void pc_reconnect(const pc_t *t)
{
    uint8_t in[1] = {0};
    size_t got;
    if (pc_open(t, "echo\n")) {
        t->port->close(t->port->ctx);
        t->port->close(t->port->ctx);
    }
    if (pc_open(t, "echo\n") && pc_send_all(t, (const uint8_t *)"z", 1)) {
        (void)pc_recv(t, in, 1, &got);
        CHECK(got == 1 && in[0] == 'z', "no echo after reconnecting");
    }
}

typedef struct {
    const char *name;
    void (*run)(const pc_t *t);
} pc_group_t;

static const pc_group_t pc_groups[] = {
    {"time_utc, monotonic_ms, sleep_ms", pc_clocks},
    {"random", pc_random},
    {"connect: ok, refused, unresolvable; close twice", pc_connect},
    {"connect times out on a full backlog", pc_connect_timeout},
    {"echo of a few bytes", pc_echo},
    {"echo of 1 MiB, short counts allowed", pc_echo_big},
    {"echo of 8 KiB read in mixed sizes", pc_echo_mixed_reads},
    {"recv times out on a silent peer", pc_recv_timeout},
    {"recv of bytes in small pieces, then CLOSED", pc_drip},
    {"peer closes: recv CLOSED, send CLOSED or RESET", pc_peer_close},
    {"peer resets: recv RESET, send RESET or CLOSED", pc_peer_reset},
    {"send times out on a peer that does not read", pc_send_timeout},
    {"reconnect after close", pc_reconnect},
};

pe_port_conformance_result_t
pe_port_conformance(const pe_port_t *port, const pe_port_target_t *target)
{
    pe_port_conformance_result_t res;
    unsigned passed = pe_test_passed_, failed = pe_test_failed_;
    pc_t t;
    size_t i;
    (void)pe_test_summary; /* the caller prints the summary */
    t.port = port;
    t.target = target;
    printf("# port conformance against %s\n", target->host);
    for (i = 0; i < sizeof pc_groups / sizeof pc_groups[0]; i++) {
        unsigned before = pe_test_failed_;
        pc_groups[i].run(&t);
        port->close(port->ctx); /* every group leaves the port closed */
        printf("%s - %s\n", pe_test_failed_ == before ? "ok" : "not ok",
               pc_groups[i].name);
    }
    res.passed = pe_test_passed_ - passed;
    res.failed = pe_test_failed_ - failed;
    return res;
}

/* ================================================================ peer */

#define PEER_IDLE_MS 5000 /* a connection that stays quiet this long ends */

/* Polls fd (skipped when negative) and the stop pipe: 1 fd ready, 0 time
 * out, -1 stop requested or poll failed. */
static int peer_wait(pe_port_peer_t *p, int fd, short events, int ms)
{
    struct pollfd f[2];
    int r;
    f[0].fd = fd;
    f[0].events = events;
    f[0].revents = 0;
    f[1].fd = p->stop_pipe[0];
    f[1].events = POLLIN;
    f[1].revents = 0;
    do {
        r = poll(f, 2, ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0 || f[1].revents != 0) {
        return -1;
    }
    return r > 0 ? 1 : 0;
}

static int peer_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    int one = 1;
    (void)one;
#ifdef SO_NOSIGPIPE
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* SO_NOSIGPIPE above instead */
#endif

static int peer_send_all(pe_port_peer_t *p, int fd, const uint8_t *buf,
                         size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
                             errno == EINTR)) {
            if (peer_wait(p, fd, POLLOUT, PEER_IDLE_MS) <= 0) {
                return -1;
            }
        } else {
            return -1;
        }
    }
    return 0;
}

/* Reads one byte; 1 read, 0 end of stream, -1 failure, idle or stop. */
static int peer_recv_byte(pe_port_peer_t *p, int fd, char *c)
{
    for (;;) {
        ssize_t n = recv(fd, c, 1, 0);
        if (n >= 0) {
            return (int)n;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return -1;
        }
        if (peer_wait(p, fd, POLLIN, PEER_IDLE_MS) <= 0) {
            return -1;
        }
    }
}

/* The command line, without its '\n', a byte at a time so that nothing
 * after it is read. 0 on success. */
static int peer_read_command(pe_port_peer_t *p, int fd, char *cmd, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        if (peer_recv_byte(p, fd, &cmd[n]) != 1) {
            return -1;
        }
        if (cmd[n] == '\n') {
            cmd[n] = '\0';
            return 0;
        }
        n++;
    }
    return -1;
}

static void peer_echo(pe_port_peer_t *p, int fd)
{
    uint8_t buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (peer_send_all(p, fd, buf, (size_t)n) != 0) {
                return;
            }
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
                              errno != EINTR)) {
            return;
        } else if (peer_wait(p, fd, POLLIN, PEER_IDLE_MS) <= 0) {
            return;
        }
    }
}

static void peer_drip(pe_port_peer_t *p, int fd, unsigned long total)
{
    uint8_t piece[8];
    size_t i = 0;
    while (i < total) {
        size_t n = 1 + i % 7, k;
        if (n > total - i) {
            n = total - i;
        }
        for (k = 0; k < n; k++) {
            piece[k] = pattern_byte(i + k);
        }
        if (peer_send_all(p, fd, piece, n) != 0 ||
            peer_wait(p, -1, 0, 1) < 0) { /* a 1 ms pause */
            return;
        }
        i += n;
    }
}

static void peer_serve(pe_port_peer_t *p, int fd)
{
    char cmd[32];
    unsigned long n;
    if (peer_nonblocking(fd) != 0 ||
        peer_read_command(p, fd, cmd, sizeof cmd) != 0) {
        /* a client that gave up: just close */
    } else if (strcmp(cmd, "echo") == 0) {
        peer_echo(p, fd);
    } else if (sscanf(cmd, "drip %lu", &n) == 1) {
        peer_drip(p, fd, n);
    } else if (strcmp(cmd, "reset") == 0) {
        struct linger lg;
        lg.l_onoff = 1;
        lg.l_linger = 0; /* close() sends RST */
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    } else if (strcmp(cmd, "sink") == 0) {
        /* Until the checks move on to their next connection. */
        (void)peer_wait(p, p->listen_fd, POLLIN, PEER_IDLE_MS);
    }
    /* "close", and the end of every other command: */
    (void)close(fd);
}

static void *peer_main(void *arg)
{
    pe_port_peer_t *p = (pe_port_peer_t *)arg;
    for (;;) {
        int r = peer_wait(p, p->listen_fd, POLLIN, 1000);
        int fd;
        if (r < 0) {
            return NULL;
        }
        fd = r > 0 ? accept(p->listen_fd, NULL, NULL) : -1;
        if (fd >= 0) {
            peer_serve(p, fd);
        }
    }
}

/* A socket bound to host, port chosen by the system; listening with
 * `backlog` unless it is negative. Its port goes to *port. */
static int peer_socket(const char *host, int backlog, uint16_t *port)
{
    struct addrinfo hints, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t len = (socklen_t)sizeof ss;
    int fd = -1;
    memset(&ss, 0, sizeof ss);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    if (getaddrinfo(host, "0", &hints, &ai) == 0) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 &&
            (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
             (backlog >= 0 && listen(fd, backlog) != 0) ||
             peer_nonblocking(fd) != 0 ||
             getsockname(fd, (struct sockaddr *)&ss, &len) != 0)) {
            (void)close(fd);
            fd = -1;
        }
        freeaddrinfo(ai);
    }
    if (fd >= 0) {
        *port = ntohs(ss.ss_family == AF_INET6
                          ? ((struct sockaddr_in6 *)&ss)->sin6_port
                          : ((struct sockaddr_in *)&ss)->sin_port);
    }
    return fd;
}

/* Connects fillers to the backlog-0 listener full_fd (never accepted)
 * until one hangs: from then on, SYNs to it are dropped. */
static bool peer_fill_backlog(pe_port_peer_t *p)
{
    struct sockaddr_storage ss;
    socklen_t len = (socklen_t)sizeof ss;
    int i;
    if (getsockname(p->full_fd, (struct sockaddr *)&ss, &len) != 0) {
        return false;
    }
    for (i = 0; i < PE_PORT_PEER_FILLERS; i++) {
        int fd = socket(ss.ss_family, SOCK_STREAM, 0);
        struct pollfd f;
        p->filler_fd[i] = fd;
        if (fd < 0 || peer_nonblocking(fd) != 0 ||
            (connect(fd, (struct sockaddr *)&ss, len) != 0 &&
             errno != EINPROGRESS)) {
            return false;
        }
        f.fd = fd;
        f.events = POLLOUT;
        f.revents = 0;
        /* Loopback answers a SYN at once; 250 ms of silence is a drop. */
        if (poll(&f, 1, 250) == 0) {
            return true;
        }
    }
    return false;
}

static void peer_close_fd(int *fd)
{
    if (*fd >= 0) {
        (void)close(*fd);
        *fd = -1;
    }
}

void pe_port_peer_stop(pe_port_peer_t *peer)
{
    int i;
    /* Closing the pipe's write end wakes every peer_wait (POLLHUP). */
    peer_close_fd(&peer->stop_pipe[1]);
    if (peer->running) {
        (void)pthread_join(peer->thread, NULL);
        peer->running = false;
    }
    peer_close_fd(&peer->listen_fd);
    peer_close_fd(&peer->closed_fd);
    peer_close_fd(&peer->full_fd);
    for (i = 0; i < PE_PORT_PEER_FILLERS; i++) {
        peer_close_fd(&peer->filler_fd[i]);
    }
    peer_close_fd(&peer->stop_pipe[0]);
}

bool pe_port_peer_start(pe_port_peer_t *peer, const char *host)
{
    int i;
    memset(peer, 0, sizeof *peer);
    peer->listen_fd = peer->closed_fd = peer->full_fd = -1;
    peer->stop_pipe[0] = peer->stop_pipe[1] = -1;
    for (i = 0; i < PE_PORT_PEER_FILLERS; i++) {
        peer->filler_fd[i] = -1;
    }
    (void)snprintf(peer->host, sizeof peer->host, "%s", host);
    peer->target.host = peer->host;
    peer->listen_fd = peer_socket(host, 16, &peer->target.port);
    /* Bound, not listening: connects are refused, and the port cannot be
     * taken by anyone else meanwhile. */
    peer->closed_fd = peer_socket(host, -1, &peer->target.closed_port);
    if (peer->listen_fd < 0 || peer->closed_fd < 0 ||
        pipe(peer->stop_pipe) != 0) {
        fprintf(stderr, "peer: cannot listen on %s: %s\n", host,
                strerror(errno));
        pe_port_peer_stop(peer);
        return false;
    }
    peer->full_fd = peer_socket(host, 0, &peer->target.full_port);
    if (peer->full_fd < 0 || !peer_fill_backlog(peer)) {
        peer->target.full_port = 0; /* the timeout check is skipped */
    }
    if (pthread_create(&peer->thread, NULL, peer_main, peer) != 0) {
        fprintf(stderr, "peer: cannot start its thread\n");
        pe_port_peer_stop(peer);
        return false;
    }
    peer->running = true;
    return true;
}
