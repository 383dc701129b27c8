/*
 * test_port_posix.c - the POSIX port through the port conformance checks,
 * against a peer on this process's loopback (127.0.0.1, and ::1 where the
 * host has IPv6). No traffic leaves the machine.
 *
 * SIGPIPE keeps its default action on purpose: a port that let one through
 * kills the test, which then has no result line and counts as failed.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pe_port_posix.h"
#include "pe_test.h"
#include "port_conformance.h"

/* What the conformance suite cannot see through pe_port_t: the options on
 * the socket and the errno kept for diagnostics. */
static void check_posix_specifics(pe_port_t *port, pe_posix_port_t *posix,
                                  const pe_port_target_t *target)
{
    int on = 0;
    socklen_t len = (socklen_t)sizeof on;
    CHECK_EQ_INT(port->connect(port->ctx, target->host, target->port, 2000),
                 PE_OK);
    if (posix->fd >= 0) {
        bool nodelay =
            getsockopt(posix->fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0 &&
            on != 0;
        CHECK(nodelay, "TCP_NODELAY is not set");
        CHECK((fcntl(posix->fd, F_GETFD) & FD_CLOEXEC) != 0,
              "FD_CLOEXEC is not set");
        CHECK((fcntl(posix->fd, F_GETFL) & O_NONBLOCK) == 0,
              "the connected socket does not block");
    }
    port->close(port->ctx);
    CHECK_EQ_INT(posix->fd, -1);
    CHECK_EQ_INT(port->connect(port->ctx, target->host, target->closed_port,
                               2000),
                 PE_ERR_CONNECT);
    CHECK_EQ_INT(posix->last_errno, ECONNREFUSED);
    CHECK_EQ_INT(port->connect(port->ctx, "nonexistent.invalid",
                               target->port, 2000),
                 PE_ERR_DNS);
    CHECK(posix->last_gai_error != 0, "last_gai_error not kept");
    CHECK_EQ_INT(posix->fd, -1);
}

/* SIGUSR1s to the waiting thread every few ms while `running`. */
typedef struct {
    pthread_t target;
    volatile int running;
    int sent;
} pester_t;

static void on_usr1(int sig)
{
    (void)sig;
}

static void *pester(void *arg)
{
    pester_t *p = (pester_t *)arg;
    struct timespec ts = {0, 7 * 1000 * 1000};
    while (p->running) {
        if (pthread_kill(p->target, SIGUSR1) == 0) {
            p->sent++;
        }
        (void)nanosleep(&ts, NULL);
    }
    return NULL;
}

/* A recv with timeout ms on a connection the peer keeps silent: TIMEOUT,
 * never before the timeout has passed and not long after it. */
static void check_silent_recv(pe_port_t *port, uint32_t ms, const char *what)
{
    uint8_t in[16];
    uint32_t start = port->monotonic_ms(port->ctx), took;
    int32_t r = port->recv(port->ctx, in, sizeof in, ms);
    took = port->monotonic_ms(port->ctx) - start;
    CHECK_EQ_INT(r, PE_PORT_TIMEOUT);
    CHECK(took >= ms && took <= ms + 250u, "%s: a %u ms recv took %u ms",
          what, (unsigned)ms, (unsigned)took);
}

/* A reply is waited for in recv() itself, bounded by SO_RCVTIMEO, which
 * the port keeps below the caller's timeout by more than the kernel
 * rounds it (a tick, and 1/8 for long ones); the last stretch is a
 * poll(). Signals interrupt the wait but neither end nor fail it. */
static void check_blocking_recv(pe_port_t *port, pe_posix_port_t *posix,
                                const pe_port_target_t *target)
{
    static const char cmd[] = "echo\nx";
    struct timeval tv;
    socklen_t len = (socklen_t)sizeof tv;
    uint8_t in[4] = {0};
    uint32_t set_ms;
    struct sigaction sa, old;
    pester_t p;
    pthread_t thread;
    if (port->connect(port->ctx, target->host, target->port, 2000) != PE_OK ||
        port->send(port->ctx, (const uint8_t *)cmd, sizeof cmd - 1, 2000) !=
            (int32_t)(sizeof cmd - 1)) {
        CHECK(false, "cannot start an echo");
        port->close(port->ctx);
        return;
    }
    CHECK_EQ_INT(port->recv(port->ctx, in, sizeof in, 15000), 1);
    CHECK(in[0] == 'x', "echoed %u", (unsigned)in[0]);
    memset(&tv, 0, sizeof tv);
    CHECK_EQ_INT(getsockopt(posix->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
    set_ms = (uint32_t)tv.tv_sec * 1000u + (uint32_t)(tv.tv_usec / 1000);
    CHECK(set_ms > 0 && set_ms <= 15000u - 15000u / 8u - 20u &&
              set_ms >= posix->rcvtimeo_ms &&
              set_ms <= posix->rcvtimeo_ms + PE_POSIX_TICK_MS,
          "SO_RCVTIMEO %u ms (a tick at most above the port's %u) for a 15000 ms recv",
          (unsigned)set_ms, (unsigned)posix->rcvtimeo_ms);

    check_silent_recv(port, 300, "quiet");

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    (void)sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* socket calls with a timeout return EINTR */
    CHECK_EQ_INT(sigaction(SIGUSR1, &sa, &old), 0);
    p.target = pthread_self();
    p.running = 1;
    p.sent = 0;
    if (pthread_create(&thread, NULL, pester, &p) == 0) {
        check_silent_recv(port, 300, "signalled");
        p.running = 0;
        (void)pthread_join(thread, NULL);
        CHECK(p.sent >= 10, "only %d signals during the wait", p.sent);
    } else {
        CHECK(false, "pthread_create failed");
    }
    (void)sigaction(SIGUSR1, &old, NULL);
    port->close(port->ctx);
}

static void run_against(pe_port_t *port, pe_posix_port_t *posix,
                        const char *host, bool required)
{
    pe_port_peer_t peer;
    pe_port_conformance_result_t res;
    if (!pe_port_peer_start(&peer, host)) {
        if (required) {
            CHECK(false, "cannot start the peer on %s", host);
        } else {
            printf("# SKIP conformance over %s: no peer there\n", host);
        }
        return;
    }
    res = pe_port_conformance(port, &peer.target);
    check_posix_specifics(port, posix, &peer.target);
    check_blocking_recv(port, posix, &peer.target);
    pe_port_peer_stop(&peer);
    /* pe_test.h counts per file: add the suite's checks to ours. */
    pe_test_passed_ += res.passed;
    pe_test_failed_ += res.failed;
}

/* pe_posix_parse_endpoint: the endpoint URLs a program is given. */
static void test_parse_endpoint(void)
{
    static const struct {
        const char *url;
        int rc;
        const char *host;
        uint16_t port;
    } cases[] = {
        {"https://127.0.0.1:8443", 0, "127.0.0.1", 8443},
        {"https://email.eu-west-1.amazonaws.com", 0, "email.eu-west-1.amazonaws.com", 443},
        {"https://localhost:443/", 0, "localhost", 443},
        {"https://h:65535", 0, "h", 65535},
        {"http://h", -1, NULL, 0},
        {"https://", -1, NULL, 0},
        {"https://h:", -1, NULL, 0},
        {"https://h:0", -1, NULL, 0},
        {"https://h:65536", -1, NULL, 0},
        {"https://h:12x", -1, NULL, 0},
        {"https://h/path", -1, NULL, 0},
        {"https://a-host-name-that-is-longer-than-the-buffer.example", -1, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char host[40];
        uint16_t port = 0;
        int rc = pe_posix_parse_endpoint(cases[i].url, host, sizeof host, &port);
        CHECK(rc == cases[i].rc &&
                  (rc != 0 || (strcmp(host, cases[i].host) == 0 &&
                               port == cases[i].port)),
              "parse_endpoint(%s): %d", cases[i].url, rc);
    }
}

int main(void)
{
    pe_posix_port_t posix;
    pe_port_t port;

    (void)alarm(60); /* a hang anywhere ends the test, as a failure */
    setvbuf(stdout, NULL, _IOLBF, 0);
    pe_posix_port_init(&posix, &port);
    CHECK(port.ctx == &posix && posix.fd == -1, "init: ctx %p, fd %d",
          port.ctx, posix.fd);

    test_parse_endpoint();
    run_against(&port, &posix, "127.0.0.1", true);
    run_against(&port, &posix, "::1", false);
    CHECK(posix.fd == -1, "a socket is still open after the suite");
    return pe_test_summary();
}
