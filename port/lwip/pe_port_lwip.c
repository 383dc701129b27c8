/*
 * pe_port_lwip.c - pe_port_t over lwIP's socket API (see pe_port_lwip.h).
 *
 * Builds against lwIP 2.1 and 2.2, with lwIP's own socket headers
 * (firmware) or external ones (LWIP_SOCKET_EXTERNAL_HEADERS, as Debian's
 * liblwip does with the C library's), with -std=c99 and the project's
 * warnings; lwIP's headers go through -isystem.
 */
#include "pe_port_lwip.h"

#include <string.h>

#include "lwip/opt.h"
#include "lwip/api.h"
#include "lwip/errno.h"
#include "lwip/inet.h"
#include "lwip/ip_addr.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"

#if NO_SYS || !LWIP_SOCKET || !LWIP_TCP
#error "pe_port_lwip needs lwIP's socket API: NO_SYS 0, LWIP_SOCKET 1, LWIP_TCP 1"
#endif
#if !LWIP_SOCKET_POLL && !LWIP_SOCKET_SELECT
#error "pe_port_lwip needs LWIP_SOCKET_POLL or LWIP_SOCKET_SELECT"
#endif
#if defined(LWIP_SOCKET_SET_ERRNO) && !LWIP_SOCKET_SET_ERRNO
#error "pe_port_lwip reads errno after a failed socket call: LWIP_SOCKET_SET_ERRNO 1"
#endif

/* ------------------------------------------------------------ clocks */

static uint32_t lwip_port_monotonic_ms(void *ctx)
{
    (void)ctx;
    return (uint32_t)sys_now(); /* a wrapping millisecond counter */
}

static void lwip_port_sleep_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    sys_msleep((u32_t)ms);
}

static int64_t lwip_port_time_utc(void *ctx)
{
    pe_lwip_port_t *c = (pe_lwip_port_t *)ctx;
    return c->hooks.time_utc ? c->hooks.time_utc(c->hooks.user) : -1;
}

static pe_status_t lwip_port_random(void *ctx, uint8_t *buf, size_t len)
{
    pe_lwip_port_t *c = (pe_lwip_port_t *)ctx;
    return c->hooks.random ? c->hooks.random(c->hooks.user, buf, len)
                           : PE_ERR_CRYPTO;
}

/* Milliseconds left until start + timeout_ms (sys_now wraps: differences
 * only). */
static uint32_t time_left(uint32_t start, uint32_t timeout_ms)
{
    uint32_t spent = (uint32_t)sys_now() - start;
    return spent < timeout_ms ? timeout_ms - spent : 0;
}

/* ------------------------------------------------------------ waiting */

/*
 * Waits until s is readable (for_write 0) or writable (1), or the time
 * runs out. Returns 1 ready (including an error on the socket: the next
 * call tells which), 0 time out, -1 the wait failed (errno set).
 */
static int wait_sock(int s, int for_write, uint32_t start,
                     uint32_t timeout_ms)
{
    for (;;) {
        uint32_t left = time_left(start, timeout_ms);
        /* lwIP's wait takes an int of milliseconds; longer waits loop. */
        int ms = left > 0x7FFFFFFFu ? 0x7FFFFFFF : (int)left;
        int r;
#if LWIP_SOCKET_POLL
        struct pollfd p;
        p.fd = s;
        p.events = (short)(for_write ? POLLOUT : POLLIN);
        p.revents = 0;
        r = lwip_poll(&p, 1, ms);
        if (r > 0 && (p.revents & POLLNVAL)) {
            errno = EBADF;
            return -1;
        }
#else
        fd_set set, err_set;
        struct timeval tv;
        FD_ZERO(&set);
        FD_ZERO(&err_set);
        FD_SET(s, &set);
        FD_SET(s, &err_set);
        tv.tv_sec = ms / 1000;
        tv.tv_usec = (ms % 1000) * 1000;
        r = lwip_select(s + 1, for_write ? NULL : &set, for_write ? &set : NULL,
                        &err_set, &tv);
#endif
        if (r > 0) {
            return 1;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        if (left == 0) {
            return 0;
        }
        /* EINTR, or a wait that ended before the time was up: go on. */
    }
}

/* ------------------------------------------------------------ transfers */

/* The byte-moving contract's code for errno of a failed send/recv/wait. */
static int32_t transfer_error(pe_lwip_port_t *c, int err)
{
    c->last_errno = err;
    switch (err) {
    case ENOTCONN: /* lwIP: the connection already ended (after its FIN or
                      after a reported reset), as EPIPE is for Linux */
#ifdef EPIPE
    case EPIPE:
#endif
        return PE_PORT_CLOSED;
    case ECONNRESET:
    case ECONNABORTED:
    case ETIMEDOUT:
    case EHOSTUNREACH:
#ifdef ENETUNREACH
    case ENETUNREACH:
#endif
#ifdef ENETDOWN
    case ENETDOWN:
#endif
        return PE_PORT_RESET;
    default:
        return PE_PORT_IO;
    }
}

/* EWOULDBLOCK and EAGAIN are the same number on most systems: a switch
 * with both would not compile there. */
static int would_block(int err)
{
    return err == EWOULDBLOCK || err == EAGAIN;
}

/*
 * send (out != NULL) or recv (into in): one attempt on the non-blocking
 * socket, then a wait and another attempt, until something moves or the
 * time is up.
 */
static int32_t transfer(pe_lwip_port_t *c, const uint8_t *out, uint8_t *in,
                        size_t len, uint32_t timeout_ms)
{
    uint32_t start = (uint32_t)sys_now();
    if (c->sock < 0 || len == 0) {
        return PE_PORT_IO; /* not connected; len 0 is never called */
    }
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX; /* the count must fit the int32_t result */
    }
    for (;;) {
        ssize_t n = out ? lwip_send(c->sock, out, len, 0)
                        : lwip_recv(c->sock, in, len, 0);
        int err, w;
        if (n > 0) {
            return (int32_t)n;
        }
        if (n == 0) {
            /* recv: the peer's FIN. send of len > 0 never returns 0. */
            return out ? PE_PORT_IO : PE_PORT_CLOSED;
        }
        err = errno;
        if (err == EINTR) {
            continue;
        }
        if (!would_block(err)) {
            return transfer_error(c, err);
        }
        w = wait_sock(c->sock, out != NULL, start, timeout_ms);
        if (w == 0) {
            return PE_PORT_TIMEOUT;
        }
        if (w < 0) {
            return transfer_error(c, errno);
        }
    }
}

static int32_t lwip_port_send(void *ctx, const uint8_t *buf, size_t len,
                              uint32_t timeout_ms)
{
    return transfer((pe_lwip_port_t *)ctx, buf, NULL, len, timeout_ms);
}

static int32_t lwip_port_recv(void *ctx, uint8_t *buf, size_t len,
                              uint32_t timeout_ms)
{
    return transfer((pe_lwip_port_t *)ctx, NULL, buf, len, timeout_ms);
}

static void lwip_port_close(void *ctx)
{
    pe_lwip_port_t *c = (pe_lwip_port_t *)ctx;
    if (c->sock >= 0) {
        (void)lwip_close(c->sock);
        c->sock = -1;
    }
}

/* ------------------------------------------------------------ connect */

typedef union {
    struct sockaddr sa;
#if LWIP_IPV4
    struct sockaddr_in in4;
#endif
#if LWIP_IPV6
    struct sockaddr_in6 in6;
#endif
} lwip_port_sockaddr_t;

/* addr and port as a socket address; its length, 0 for a family this
 * lwIP does not have. */
static socklen_t to_sockaddr(const ip_addr_t *addr, uint16_t port,
                             lwip_port_sockaddr_t *sa)
{
    memset(sa, 0, sizeof *sa);
#if LWIP_IPV6
    if (IP_IS_V6(addr)) {
#if !LWIP_SOCKET_EXTERNAL_HEADERS
        sa->in6.sin6_len = (u8_t)sizeof sa->in6;
#endif
        sa->in6.sin6_family = AF_INET6;
        sa->in6.sin6_port = lwip_htons(port);
        /* Both are 16 bytes in network order. */
        memcpy(&sa->in6.sin6_addr, ip_2_ip6(addr)->addr,
               sizeof sa->in6.sin6_addr);
#if LWIP_IPV6_SCOPES
        sa->in6.sin6_scope_id = ip6_addr_zone(ip_2_ip6(addr));
#endif
        return (socklen_t)sizeof sa->in6;
    }
#endif
#if LWIP_IPV4
    if (IP_IS_V4(addr)) {
#if !LWIP_SOCKET_EXTERNAL_HEADERS
        sa->in4.sin_len = (u8_t)sizeof sa->in4;
#endif
        sa->in4.sin_family = AF_INET;
        sa->in4.sin_port = lwip_htons(port);
        inet_addr_from_ip4addr(&sa->in4.sin_addr, ip_2_ip4(addr));
        return (socklen_t)sizeof sa->in4;
    }
#endif
    (void)port;
    return 0;
}

/* Non-blocking, no Nagle delay. 0 on success. */
static int setup_socket(int s)
{
    int one = 1;
    int fl = lwip_fcntl(s, F_GETFL, 0);
    if (fl < 0 || lwip_fcntl(s, F_SETFL, fl | O_NONBLOCK) != 0) {
        return -1;
    }
    /* Not fatal: the connection works without it, only slower. */
    (void)lwip_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one,
                          (socklen_t)sizeof one);
    return 0;
}

/* Connects to addr:port within the time left. PE_OK with c->sock set,
 * PE_ERR_TIMEOUT, or PE_ERR_CONNECT (errno saved). */
static pe_status_t connect_addr(pe_lwip_port_t *c, const ip_addr_t *addr,
                                uint16_t port, uint32_t start,
                                uint32_t timeout_ms)
{
    lwip_port_sockaddr_t sa;
    socklen_t sa_len = to_sockaddr(addr, port, &sa);
    int err = 0;
    int s;
    if (sa_len == 0) {
        c->last_errno = EAFNOSUPPORT;
        return PE_ERR_CONNECT;
    }
    s = lwip_socket(sa.sa.sa_family, SOCK_STREAM, IPPROTO_TCP);
    if (s < 0) {
        c->last_errno = errno; /* out of sockets (MEMP_NUM_NETCONN) */
        return PE_ERR_CONNECT;
    }
    if (setup_socket(s) != 0) {
        err = errno;
    } else if (lwip_connect(s, &sa.sa, sa_len) != 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            err = errno;
        } else {
            /* The connection goes on in lwIP's thread; writable once it is
             * up, readable with an error when it failed. */
            int w = wait_sock(s, 1, start, timeout_ms);
            socklen_t err_len = (socklen_t)sizeof err;
            if (w == 0) {
                (void)lwip_close(s);
                c->last_errno = ETIMEDOUT;
                return PE_ERR_TIMEOUT;
            }
            if (w < 0 ||
                lwip_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) {
                err = errno;
            }
        }
    }
    if (err != 0) {
        (void)lwip_close(s);
        c->last_errno = err;
        /* lwIP gave up on its SYNs before our deadline did. A refusal is
         * ECONNRESET here (lwIP reports the RST that answered the SYN). */
        return err == ETIMEDOUT ? PE_ERR_TIMEOUT : PE_ERR_CONNECT;
    }
    c->sock = s;
    return PE_OK;
}

static pe_status_t lwip_port_connect(void *ctx, const char *host,
                                     uint16_t port, uint32_t timeout_ms)
{
    pe_lwip_port_t *c = (pe_lwip_port_t *)ctx;
    uint32_t start = (uint32_t)sys_now();
    ip_addr_t addr;

    if (host == NULL || host[0] == '\0') {
        return PE_ERR_INVALID_ARGUMENT;
    }
    lwip_port_close(c); /* one connection per context */
    memset(&addr, 0, sizeof addr);
    if (!ipaddr_aton(host, &addr)) {
        /* Not an address literal: lwIP's resolver, when it has one. */
#if LWIP_DNS
        err_t e = netconn_gethostbyname(host, &addr);
        if (e != ERR_OK) {
            c->last_dns_err = (int)e;
            return PE_ERR_DNS;
        }
#else
        c->last_dns_err = 0;
        return PE_ERR_DNS; /* LWIP_DNS is off: literals only */
#endif
    }
    return connect_addr(c, &addr, port, start, timeout_ms);
}

/* ------------------------------------------------------------ init */

void pe_lwip_port_init(pe_lwip_port_t *ctx, pe_port_t *port,
                       const pe_lwip_hooks_t *hooks)
{
    ctx->sock = -1;
    ctx->last_errno = 0;
    ctx->last_dns_err = 0;
    if (hooks != NULL) {
        ctx->hooks = *hooks;
    } else {
        memset(&ctx->hooks, 0, sizeof ctx->hooks);
    }
    port->connect = lwip_port_connect;
    port->send = lwip_port_send;
    port->recv = lwip_port_recv;
    port->close = lwip_port_close;
    port->time_utc = lwip_port_time_utc;
    port->monotonic_ms = lwip_port_monotonic_ms;
    port->sleep_ms = lwip_port_sleep_ms;
    port->random = lwip_port_random;
    port->ctx = ctx;
}
