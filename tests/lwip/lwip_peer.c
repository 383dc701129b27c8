/*
 * lwip_peer.c - the conformance peer on lwIP's sockets (see lwip_peer.h).
 *
 * How it makes lwIP do what the suite expects:
 * - "reset": lwIP's close sends an RST only when received data was left
 *   unread (tcp_close with the receive window not fully open again; its
 *   SO_LINGER 0 aborts only with unsent data). So the peer reads each
 *   command line with MSG_PEEK first and consumes it afterwards, except
 *   for "reset", which it closes unread.
 * - "close": the line consumed, lwip_close sends a FIN.
 * Every wait is a lwip_poll() of at most 100 ms, between which the peer
 * looks at its stop flag.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* Debian's lwIP headers include the C library's */
#endif

#include "lwip_peer.h"

#include <stdio.h>
#include <string.h>

#include "lwip/inet.h"
#include "lwip/ip_addr.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"

#define PEER_IDLE_MS 5000u /* a connection quiet this long ends */
#define PEER_SLICE_MS 100  /* longest single wait */

static uint8_t pattern_byte(size_t i)
{
    return (uint8_t)((i * 7u + i / 251u) % 251u); /* as port_conformance.c */
}

static bool peer_stopping(pe_lwip_peer_t *p)
{
    bool s;
    pthread_mutex_lock(&p->lock);
    s = p->stop;
    pthread_mutex_unlock(&p->lock);
    return s;
}

/* Waits for events on s (none: just sleeps) for up to ms. 1 ready, 0 the
 * time passed, -1 stop requested or the wait failed. */
static int peer_wait(pe_lwip_peer_t *p, int s, short events, uint32_t ms)
{
    uint32_t start = sys_now();
    for (;;) {
        uint32_t spent = sys_now() - start;
        uint32_t left = spent < ms ? ms - spent : 0;
        int slice = left < (uint32_t)PEER_SLICE_MS ? (int)left : PEER_SLICE_MS;
        struct pollfd f;
        int r;
        if (peer_stopping(p)) {
            return -1;
        }
        if (s < 0) {
            sys_msleep((u32_t)slice);
            r = 0;
        } else {
            f.fd = s;
            f.events = events;
            f.revents = 0;
            r = lwip_poll(&f, 1, slice);
        }
        if (r > 0) {
            return 1;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        if (left == 0) {
            return 0;
        }
    }
}

static int peer_send_all(pe_lwip_peer_t *p, int s, const uint8_t *buf,
                         size_t len)
{
    while (len > 0) {
        ssize_t n = lwip_send(s, buf, len, MSG_DONTWAIT);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
                             errno == EINTR)) {
            if (peer_wait(p, s, POLLOUT, PEER_IDLE_MS) <= 0) {
                return -1;
            }
        } else {
            return -1;
        }
    }
    return 0;
}

/* Peeks at what arrived until a whole line is there; its length with the
 * '\n' (0 on failure) and the line without it in cmd. Nothing consumed. */
static size_t peer_peek_command(pe_lwip_peer_t *p, int s, char *cmd,
                                size_t cap)
{
    for (;;) {
        ssize_t n = lwip_recv(s, cmd, cap - 1, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0) {
            char *nl = memchr(cmd, '\n', (size_t)n);
            if (nl != NULL) {
                *nl = '\0';
                return (size_t)(nl - cmd) + 1;
            }
            if ((size_t)n == cap - 1) {
                return 0; /* no command is that long */
            }
            /* the rest of the line has not come yet */
            if (peer_wait(p, -1, 0, 1) < 0) {
                return 0;
            }
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
                              errno != EINTR)) {
            return 0;
        } else if (peer_wait(p, s, POLLIN, PEER_IDLE_MS) <= 0) {
            return 0;
        }
    }
}

/* Consumes len bytes already peeked at. 0 on success. */
static int peer_consume(int s, size_t len)
{
    char sink[64];
    while (len > 0) {
        ssize_t n = lwip_recv(s, sink, len < sizeof sink ? len : sizeof sink,
                              MSG_DONTWAIT);
        if (n <= 0) {
            return -1;
        }
        len -= (size_t)n;
    }
    return 0;
}

static void peer_echo(pe_lwip_peer_t *p, int s)
{
    static uint8_t buf[16384]; /* one peer thread */
    for (;;) {
        ssize_t n = lwip_recv(s, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            if (peer_send_all(p, s, buf, (size_t)n) != 0) {
                return;
            }
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
                              errno != EINTR)) {
            return;
        } else if (peer_wait(p, s, POLLIN, PEER_IDLE_MS) <= 0) {
            return;
        }
    }
}

static void peer_drip(pe_lwip_peer_t *p, int s, unsigned long total)
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
        if (peer_send_all(p, s, piece, n) != 0 || peer_wait(p, -1, 0, 1) < 0) {
            return;
        }
        i += n;
    }
}

static void peer_serve(pe_lwip_peer_t *p, int s)
{
    char cmd[32];
    unsigned long n;
    size_t len = peer_peek_command(p, s, cmd, sizeof cmd);
    if (len == 0) {
        /* a client that gave up: just close */
    } else if (strcmp(cmd, "reset") == 0) {
        /* closed with the line unread: lwIP answers with an RST */
    } else if (peer_consume(s, len) != 0) {
        /* lost: close */
    } else if (strcmp(cmd, "echo") == 0) {
        peer_echo(p, s);
    } else if (sscanf(cmd, "drip %lu", &n) == 1) {
        peer_drip(p, s, n);
    } else if (strcmp(cmd, "sink") == 0) {
        /* Until the checks move on to their next connection. */
        (void)peer_wait(p, p->listen_sock, POLLIN, PEER_IDLE_MS);
    }
    /* "close", and the end of every other command: */
    (void)lwip_close(s);
}

static void *peer_main(void *arg)
{
    pe_lwip_peer_t *p = (pe_lwip_peer_t *)arg;
    for (;;) {
        int r = peer_wait(p, p->listen_sock, POLLIN, 1000);
        int s;
        if (r < 0) {
            return NULL;
        }
        s = r > 0 ? lwip_accept(p->listen_sock, NULL, NULL) : -1;
        if (s >= 0) {
            int fl = lwip_fcntl(s, F_GETFL, 0);
            if (fl >= 0) {
                (void)lwip_fcntl(s, F_SETFL, fl | O_NONBLOCK);
            }
            peer_serve(p, s);
        }
    }
}

/* A TCP socket bound to the IPv4 literal host, port chosen by lwIP,
 * listening unless backlog < 0; the port goes to *port. */
static int peer_socket(const char *host, int backlog, uint16_t *port)
{
    struct sockaddr_in sa;
    socklen_t len = (socklen_t)sizeof sa;
    ip4_addr_t a;
    int s;
    if (!ip4addr_aton(host, &a)) {
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    inet_addr_from_ip4addr(&sa.sin_addr, &a);
    s = lwip_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s < 0) {
        return -1;
    }
    if (lwip_bind(s, (struct sockaddr *)&sa, (socklen_t)sizeof sa) != 0 ||
        (backlog >= 0 && lwip_listen(s, backlog) != 0) ||
        lwip_getsockname(s, (struct sockaddr *)&sa, &len) != 0) {
        (void)lwip_close(s);
        return -1;
    }
    *port = lwip_ntohs(sa.sin_port);
    return s;
}

void pe_lwip_peer_stop(pe_lwip_peer_t *peer)
{
    if (peer->running) {
        pthread_mutex_lock(&peer->lock);
        peer->stop = true;
        pthread_mutex_unlock(&peer->lock);
        (void)pthread_join(peer->thread, NULL);
        peer->running = false;
        pthread_mutex_destroy(&peer->lock);
    }
    if (peer->listen_sock >= 0) {
        (void)lwip_close(peer->listen_sock);
        peer->listen_sock = -1;
    }
    if (peer->closed_sock >= 0) {
        (void)lwip_close(peer->closed_sock);
        peer->closed_sock = -1;
    }
}

bool pe_lwip_peer_start(pe_lwip_peer_t *peer, const char *host)
{
    memset(peer, 0, sizeof *peer);
    peer->listen_sock = peer->closed_sock = -1;
    (void)snprintf(peer->host, sizeof peer->host, "%s", host);
    peer->target.host = peer->host;
    peer->target.full_port = 0; /* no backlog limit in lwIP: skipped */
    peer->listen_sock = peer_socket(host, 16, &peer->target.port);
    /* Bound, not listening: lwIP answers a SYN with an RST. */
    peer->closed_sock = peer_socket(host, -1, &peer->target.closed_port);
    if (peer->listen_sock < 0 || peer->closed_sock < 0) {
        fprintf(stderr, "lwip peer: cannot listen on %s (errno %d)\n", host,
                errno);
        pe_lwip_peer_stop(peer);
        return false;
    }
    if (lwip_fcntl(peer->listen_sock, F_SETFL, O_NONBLOCK) != 0 ||
        pthread_mutex_init(&peer->lock, NULL) != 0) {
        pe_lwip_peer_stop(peer);
        return false;
    }
    if (pthread_create(&peer->thread, NULL, peer_main, peer) != 0) {
        pthread_mutex_destroy(&peer->lock);
        fprintf(stderr, "lwip peer: cannot start its thread\n");
        pe_lwip_peer_stop(peer);
        return false;
    }
    peer->running = true;
    return true;
}
