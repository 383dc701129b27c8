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
#include <sys/socket.h>
#include <string.h>
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
        CHECK((fcntl(posix->fd, F_GETFL) & O_NONBLOCK) != 0,
              "O_NONBLOCK is not set");
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
